/** Settings: the constructor's checks and K2vClient.fromEnv's variables. */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { K2vClient, K2vError } from 'k2v-client';

const VARS = ['K2V_ENDPOINT', 'AWS_REGION', 'AWS_ACCESS_KEY_ID', 'K2V_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'K2V_KEY_SECRET', 'K2V_BUCKET'];
const saved = Object.fromEntries(VARS.map((v) => [v, process.env[v]]));
afterEach(() => {
  for (const v of VARS) {
    if (saved[v] === undefined) delete process.env[v];
    else process.env[v] = saved[v];
  }
});
const setEnv = (vars: Record<string, string>) => {
  for (const v of VARS) delete process.env[v];
  Object.assign(process.env, vars);
};
const invalidArgument = (re: RegExp) => (e: unknown) => e instanceof K2vError && e.code === 'InvalidArgument' && e.status === 0 && re.test(e.message);

describe('K2vClient.fromEnv', () => {
  it('reads the AWS names, region defaulting to garage', () => {
    setEnv({ K2V_ENDPOINT: 'http://h:1', AWS_ACCESS_KEY_ID: 'GKa', AWS_SECRET_ACCESS_KEY: 's', K2V_BUCKET: 'b' });
    const c = K2vClient.fromEnv();
    assert.equal(c.endpoint.href, 'http://h:1/');
    assert.equal(c.region, 'garage');
    assert.equal(c.bucket, 'b');
  });

  it('reads K2V_KEY_ID / K2V_KEY_SECRET and AWS_REGION; overrides win', () => {
    setEnv({ K2V_ENDPOINT: 'http://h:1', K2V_KEY_ID: 'GKa', K2V_KEY_SECRET: 's', K2V_BUCKET: 'b', AWS_REGION: 'eu' });
    assert.equal(K2vClient.fromEnv().region, 'eu');
    assert.equal(K2vClient.fromEnv({ bucket: 'other', region: 'x' }).bucket, 'other');
  });

  it('names every missing variable in one error', () => {
    setEnv({ K2V_ENDPOINT: 'http://h:1' });
    assert.throws(
      () => K2vClient.fromEnv(),
      invalidArgument(/AWS_ACCESS_KEY_ID or K2V_KEY_ID.*AWS_SECRET_ACCESS_KEY or K2V_KEY_SECRET.*K2V_BUCKET/),
    );
    setEnv({});
    assert.throws(() => K2vClient.fromEnv(), invalidArgument(/K2V_ENDPOINT/));
  });
});

describe('new K2vClient', () => {
  const ok = { endpoint: 'http://127.0.0.1:3904', accessKeyId: 'GK', secretAccessKey: 's', bucket: 'b' };
  it('refuses a bad endpoint, a missing key or a bucket name that cannot be a path segment', () => {
    assert.throws(() => new K2vClient({ ...ok, endpoint: 'not a url' }), invalidArgument(/not a URL/));
    assert.throws(() => new K2vClient({ ...ok, endpoint: 'ftp://x' }), invalidArgument(/http/));
    assert.throws(() => new K2vClient({ ...ok, endpoint: 'http://x/?a=1' }), invalidArgument(/query/));
    assert.throws(() => new K2vClient({ ...ok, secretAccessKey: '' }), invalidArgument(/secretAccessKey is missing/));
    assert.throws(() => new K2vClient({ ...ok, bucket: 'a/b' }), invalidArgument(/bucket/));
    assert.throws(() => new K2vClient({ ...ok, bucket: '..' }), invalidArgument(/bucket/));
  });

  it('keeps an endpoint path prefix', () => {
    assert.equal(new K2vClient({ ...ok, endpoint: 'https://example.com/k2v/' }).endpoint.pathname, '/k2v/');
  });
});
