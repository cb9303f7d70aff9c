/**
 * Requests signed by curl's own SigV4 (`--aws-sigv4 "aws:amz:garage:k2v"`), a third independent
 * signer. curl adds no x-amz-content-sha256 for a non-S3 service, so these rely on the contract's
 * body-hash deviation (section 4).
 *
 * curl's limits, checked against 7.88.1: the canonical query is the query string as sent (not
 * sorted, and a bare `?search` is not turned into `search=` before curl 8.5.0, curl PR #12244; the
 * server accepts that bare form as a fallback),
 * and the canonical URI is the path as sent (not encoded once more). So the tests use plain
 * paths, at most one query parameter or sorted ones, and `?search=` unless curl is new enough.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { b64, readItem, startTestServer, type TestServer } from './harness.js';

interface CurlResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

const probe = spawnSync('curl', ['--version'], { encoding: 'utf8' });
const curlVersion = probe.error || probe.status !== 0 ? undefined : /^curl (\d+)\.(\d+)\.(\d+)/.exec(probe.stdout);
const skipAll = curlVersion ? false : 'curl is not installed: skipping the curl --aws-sigv4 tests';

let ts: TestServer;

before(async () => {
  if (skipAll === false) ts = await startTestServer();
});

after(async () => {
  await ts?.stop();
});

/** Runs curl asynchronously (the server lives in this process: a sync spawn would deadlock). */
function curl(args: string[], secret = ts.secret): Promise<CurlResponse> {
  return new Promise((resolve, reject) => {
    const child = spawn('curl', ['-s', '-S', '-i', '--aws-sigv4', 'aws:amz:garage:k2v', '--user', `${ts.keyId}:${secret}`, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`curl exited ${code}: ${err}`));
      const raw = Buffer.concat(out);
      const split = raw.indexOf('\r\n\r\n');
      const head = raw.subarray(0, split).toString('latin1').split('\r\n');
      const status = Number(/^HTTP\/[\d.]+ (\d{3})/.exec(head[0] ?? '')?.[1] ?? 0);
      const headers: Record<string, string> = {};
      for (const line of head.slice(1)) {
        const i = line.indexOf(':');
        if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
      }
      resolve({ status, headers, body: raw.subarray(split + 4) });
    });
  });
}

const url = (p: string) => `${ts.k2vUrl}${p}`;

describe('curl --aws-sigv4', { skip: skipAll }, () => {
  test('InsertItem (PUT --data-binary), ReadItem (JSON and binary)', async () => {
    const put = await curl(['-X', 'PUT', '--data-binary', 'hello from curl', url(`/${ts.bucket}/curlpk?sort_key=a`)]);
    assert.equal(put.status, 204, put.body.toString());

    // curl sends `Accept: */*`: one value -> binary (contract section 6).
    const star = await curl([url(`/${ts.bucket}/curlpk?sort_key=a`)]);
    assert.equal(star.status, 200, star.body.toString());
    assert.equal(star.headers['content-type'], 'application/octet-stream');
    assert.equal(star.body.toString(), 'hello from curl');

    const json = await curl(['-H', 'Accept: application/json', url(`/${ts.bucket}/curlpk?sort_key=a`)]);
    assert.equal(json.status, 200, json.body.toString());
    assert.equal(json.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(json.body.toString()), [b64('hello from curl')]);
    assert.ok(json.headers['x-garage-causality-token']);

    const bin = await curl(['-H', 'Accept: application/octet-stream', url(`/${ts.bucket}/curlpk?sort_key=a`)]);
    assert.equal(bin.status, 200);
    assert.equal(bin.body.toString(), 'hello from curl');
  });

  test('InsertItem with a causality token replaces the value; DeleteItem', async () => {
    const first = await curl(['-X', 'PUT', '--data-binary', 'v1', url(`/${ts.bucket}/curlpk?sort_key=b`)]);
    assert.equal(first.status, 204);
    const token = (await readItem(ts, 'curlpk', 'b'))?.ct;
    assert.ok(token);
    const second = await curl([
      '-X',
      'PUT',
      '-H',
      `X-Garage-Causality-Token: ${token}`,
      '--data-binary',
      'v2',
      url(`/${ts.bucket}/curlpk?sort_key=b`),
    ]);
    assert.equal(second.status, 204, second.body.toString());
    const now = await readItem(ts, 'curlpk', 'b');
    assert.deepEqual(now?.values, ['v2']);

    const del = await curl(['-X', 'DELETE', '-H', `X-Garage-Causality-Token: ${now?.ct}`, url(`/${ts.bucket}/curlpk?sort_key=b`)]);
    assert.equal(del.status, 204, del.body.toString());
    assert.deepEqual((await readItem(ts, 'curlpk', 'b'))?.values, [null]);
  });

  test('ReadIndex', async () => {
    const put = await curl(['-X', 'PUT', '--data-binary', 'x', url(`/${ts.bucket}/curlindex?sort_key=a`)]);
    assert.equal(put.status, 204);
    const all = await curl([url(`/${ts.bucket}`)]);
    assert.equal(all.status, 200, all.body.toString());
    const pks = (JSON.parse(all.body.toString()) as { partitionKeys: { pk: string }[] }).partitionKeys.map((p) => p.pk);
    assert.ok(pks.includes('curlindex'), JSON.stringify(pks));
    const prefixed = await curl([url(`/${ts.bucket}?prefix=curlindex`)]);
    assert.equal(prefixed.status, 200, prefixed.body.toString());
    assert.deepEqual(
      (JSON.parse(prefixed.body.toString()) as { partitionKeys: { pk: string; entries: number }[] }).partitionKeys,
      [{ pk: 'curlindex', entries: 1, conflicts: 0, values: 1, bytes: 1 }],
    );
    // Parameters in sorted order, as curl < 8.x signs them unsorted.
    const paged = await curl([url(`/${ts.bucket}?limit=1&prefix=curl`)]);
    assert.equal(paged.status, 200, paged.body.toString());
  });

  test('InsertBatch and ReadBatch (POST ?search=)', async () => {
    const batch = JSON.stringify([
      { pk: 'curlbatch', sk: 'x', ct: null, v: b64('X') },
      { pk: 'curlbatch', sk: 'y', ct: null, v: b64('Y') },
    ]);
    const ins = await curl(['-X', 'POST', '--data-binary', batch, url(`/${ts.bucket}`)]);
    assert.equal(ins.status, 204, ins.body.toString());
    const search = await curl(['-X', 'POST', '--data-binary', JSON.stringify([{ partitionKey: 'curlbatch' }]), url(`/${ts.bucket}?search=`)]);
    assert.equal(search.status, 200, search.body.toString());
    const [res] = JSON.parse(search.body.toString()) as { items: { sk: string; v: string[] }[] }[];
    assert.deepEqual(
      res?.items.map((i) => [i.sk, i.v]),
      [
        ['x', [b64('X')]],
        ['y', [b64('Y')]],
      ],
    );
  });

  // curl >= 8.5 signs a bare ?search as `search=`; older curl signs `search`, which the server
  // accepts as a fallback (contract section 4 Deviation, src/auth/canonical-request.ts).
  test('ReadBatch with a bare ?search, whichever way this curl signs it', async () => {
    const search = await curl(['-X', 'POST', '--data-binary', JSON.stringify([{ partitionKey: 'curlbatch' }]), url(`/${ts.bucket}?search`)]);
    assert.equal(search.status, 200, search.body.toString());
  });

  test('a wrong secret is refused (403 AccessDenied): the signature is really checked', async () => {
    const res = await curl([url(`/${ts.bucket}/curlpk?sort_key=a`)], 'f'.repeat(64));
    assert.equal(res.status, 403, res.body.toString());
    assert.equal((JSON.parse(res.body.toString()) as { code: string }).code, 'AccessDenied');
    const ok = await curl([url(`/${ts.bucket}/curlpk?sort_key=a`)]);
    assert.equal(ok.status, 200);
  });
});
