/**
 * Authorisation matrix (issue 5, item 4): every K2V endpoint x every way of not being allowed
 * (no credentials, bad signature, unknown or deleted key, expired presigned URL, wrong region or
 * service, skewed date, no permission, owner-only, read-only key writing, write-only key reading,
 * another tenant's bucket) -> the exact status and code of contract sections 4 and 5, and no side
 * effect (client-visible dumps after each row, raw store records after the whole matrix: LMDB's
 * bytes or PostgreSQL's rows). Then the admin API: every route but GET /health refuses a missing
 * or wrong token with 403, changing nothing. Runs on both engines (K2V_TEST_DB_ENGINE).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { errorShapeProblems } from '../support-hostile/contract.js';
import { httpDump, storeDump, type RawDump } from '../support-hostile/dump.js';
import { exchange, header, type RawRequest, type RawResponse } from '../support-hostile/raw-http.js';
import { adminRoutes, adminState, type AdminIds } from '../support-hostile/admin-routes.js';
import { startHostileServer, type HostileServer } from '../support-hostile/server.js';
import { getHeader, setHeader, sign, unsigned, type Creds, type SignOptions } from '../support-hostile/sign.js';
import { tcpAddress } from '../../src/server/running-server.js';

const A = 'authz-a';
const B = 'authz-b';
const b64 = (s: string) => Buffer.from(s).toString('base64');

let hs: HostileServer;
let bucketA: string;
let bucketB: string;
const keys: Record<'rw' | 'ro' | 'wo' | 'none' | 'ownerOnly' | 'deleted' | 'tenant', Creds> = {} as never;
/** A local alias of the tenant's key for bucket B: meaningless to every other key. */
const TENANT_ALIAS = 'tenant-private';
let visibleA: string;
let visibleB: string;
let rawBefore: RawDump;

type Endpoint = 'ReadItem' | 'PollItem' | 'InsertItem' | 'DeleteItem' | 'ReadIndex' | 'InsertBatch' | 'ReadBatch' | 'DeleteBatch' | 'PollRange';
const READS: Endpoint[] = ['ReadItem', 'PollItem', 'ReadIndex', 'ReadBatch', 'PollRange'];
const WRITES: Endpoint[] = ['InsertItem', 'DeleteItem', 'InsertBatch', 'DeleteBatch'];
const ALL: Endpoint[] = [...READS, ...WRITES];
const SUCCESS: Record<Endpoint, number> = {
  ReadItem: 200, PollItem: 200, ReadIndex: 200, ReadBatch: 200, PollRange: 200,
  InsertItem: 204, DeleteItem: 204, InsertBatch: 204, DeleteBatch: 200,
};

/** The request of `ep` against partition `target` of `bucket` (a write would change it). */
function request(ep: Endpoint, bucket: string): { method: string; target: string; body?: Buffer } {
  const json = (v: unknown) => Buffer.from(JSON.stringify(v));
  switch (ep) {
    case 'ReadItem':
      return { method: 'GET', target: `/${bucket}/target?sort_key=k` };
    case 'PollItem':
      // the empty context is older than the item's: an allowed poll answers at once
      return { method: 'GET', target: `/${bucket}/target?sort_key=k&causality_token=AAAAAAAAAAA&timeout=5` };
    case 'InsertItem':
      return { method: 'PUT', target: `/${bucket}/target?sort_key=k`, body: Buffer.from('overwritten') };
    case 'DeleteItem':
      return { method: 'DELETE', target: `/${bucket}/target?sort_key=k` };
    case 'ReadIndex':
      return { method: 'GET', target: `/${bucket}` };
    case 'InsertBatch':
      return { method: 'POST', target: `/${bucket}`, body: json([{ pk: 'target', sk: 'batch', v: b64('x') }]) };
    case 'ReadBatch':
      return { method: 'POST', target: `/${bucket}?search`, body: json([{ partitionKey: 'target' }]) };
    case 'DeleteBatch':
      return { method: 'POST', target: `/${bucket}?delete`, body: json([{ partitionKey: 'target' }]) };
    case 'PollRange':
      return { method: 'POST', target: `/${bucket}/target?poll_range`, body: json({}) };
  }
}

function signed(ep: Endpoint, opts: Partial<SignOptions> & { bucket?: string } = {}): RawRequest {
  return sign(hs.host, request(ep, opts.bucket ?? A), { creds: keys.rw, region: hs.config.region, ...opts });
}

async function send(req: RawRequest): Promise<RawResponse> {
  const ex = await exchange(hs.k2v(), req);
  const res = ex.responses[0];
  assert.ok(res !== undefined, `no response to ${req.method} ${req.target} (${ex.error ?? 'closed'})`);
  return res;
}

function assertError(res: RawResponse, status: number, code: string, path: string, what: string): void {
  const body = res.body.toString('utf8');
  assert.equal(res.status, status, `${what}: status ${res.status} ${body}`);
  assert.deepEqual(errorShapeProblems(res, path, hs.config.region), [], `${what}: ${body}`);
  assert.equal((JSON.parse(body) as { code: string }).code, code, `${what}: ${body}`);
}

async function assertUnchanged(what: string): Promise<void> {
  assert.equal(await httpDump(hs, keys.rw, A, ['target']), visibleA, `bucket ${A} changed after: ${what}`);
  assert.equal(await httpDump(hs, keys.tenant, B, ['target']), visibleB, `bucket ${B} changed after: ${what}`);
}

before(async () => {
  hs = await startHostileServer();
  keys.rw = await hs.newKey();
  keys.ro = await hs.newKey();
  keys.wo = await hs.newKey();
  keys.none = await hs.newKey();
  keys.ownerOnly = await hs.newKey();
  keys.deleted = await hs.newKey();
  keys.tenant = await hs.newKey();
  bucketA = await hs.newBucket(A, [
    [keys.rw, { read: true, write: true, owner: true }],
    [keys.ro, { read: true }],
    [keys.wo, { write: true }],
    [keys.ownerOnly, { owner: true }],
    [keys.deleted, { read: true, write: true }],
  ]);
  bucketB = await hs.newBucket(B, [[keys.tenant, { read: true, write: true, owner: true }]]);
  const alias = await hs.admin('PUT', `/v1/bucket/alias/local?id=${bucketB}&accessKeyId=${keys.tenant.accessKeyId}&alias=${TENANT_ALIAS}`);
  assert.equal(alias.status, 200, alias.body.toString());
  for (const [bucket, creds] of [[A, keys.rw], [B, keys.tenant]] as const) {
    const body = Buffer.from(JSON.stringify([{ pk: 'target', sk: 'k', v: b64(`original ${bucket}`) }, { pk: 'target', sk: 'other', v: b64('o') }]));
    const res = await send(sign(hs.host, { method: 'POST', target: `/${bucket}`, body }, { creds, region: hs.config.region }));
    assert.equal(res.status, 204, res.body.toString());
  }
  // The deleted key worked before its deletion.
  assert.equal((await send(signed('ReadItem', { creds: keys.deleted }))).status, 200);
  const del = await hs.admin('DELETE', `/v1/key?id=${keys.deleted.accessKeyId}`);
  assert.ok(del.status === 200 || del.status === 204, del.body.toString());

  visibleA = await httpDump(hs, keys.rw, A, ['target']);
  visibleB = await httpDump(hs, keys.tenant, B, ['target']);
  rawBefore = await storeDump(hs);
});

after(async () => {
  await hs?.stop();
});

interface Row {
  readonly name: string;
  readonly endpoints: Endpoint[];
  readonly status: number;
  readonly code: string;
  readonly build: (ep: Endpoint) => RawRequest;
}

const HEX = '0123456789abcdef';
const UNKNOWN: Creds = { accessKeyId: 'GK000000000000000000000000', secretAccessKey: 'f'.repeat(64) };

const ROWS: Row[] = [
  {
    name: 'no credentials',
    endpoints: ALL,
    status: 403,
    code: 'AccessDenied',
    build: (ep) => unsigned(hs.host, request(ep, A)),
  },
  {
    name: 'bad signature',
    endpoints: ALL,
    status: 403,
    code: 'AccessDenied',
    build: (ep) => {
      const req = signed(ep);
      const auth = getHeader(req, 'authorization')!;
      const last = auth.at(-1)!;
      return setHeader(req, 'authorization', auth.slice(0, -1) + HEX[(HEX.indexOf(last) + 1) % 16]);
    },
  },
  { name: 'unknown key', endpoints: ALL, status: 403, code: 'AccessDenied', build: (ep) => signed(ep, { creds: UNKNOWN }) },
  { name: 'deleted key', endpoints: ALL, status: 403, code: 'AccessDenied', build: (ep) => signed(ep, { creds: keys.deleted }) },
  {
    name: 'expired presigned URL',
    endpoints: ALL,
    status: 403,
    code: 'AccessDenied',
    build: (ep) => signed(ep, { presign: { expires: 60 }, date: new Date(Date.now() - 10 * 60_000), contentSha256: 'none' }),
  },
  { name: 'wrong region', endpoints: ALL, status: 400, code: 'AuthorizationHeaderMalformed', build: (ep) => signed(ep, { region: 'us-east-1' }) },
  { name: 'wrong service', endpoints: ALL, status: 400, code: 'AuthorizationHeaderMalformed', build: (ep) => signed(ep, { service: 's3' }) },
  {
    name: 'date 20 minutes in the past',
    endpoints: ALL,
    status: 400,
    code: 'InvalidRequest',
    build: (ep) => signed(ep, { date: new Date(Date.now() - 20 * 60_000) }),
  },
  {
    name: 'date 20 minutes in the future',
    endpoints: ALL,
    status: 400,
    code: 'InvalidRequest',
    build: (ep) => signed(ep, { date: new Date(Date.now() + 20 * 60_000) }),
  },
  { name: 'key without permission on the bucket', endpoints: ALL, status: 403, code: 'AccessDenied', build: (ep) => signed(ep, { creds: keys.none }) },
  { name: 'key with owner permission only', endpoints: ALL, status: 403, code: 'AccessDenied', build: (ep) => signed(ep, { creds: keys.ownerOnly }) },
  { name: 'read-only key on a write endpoint', endpoints: WRITES, status: 403, code: 'AccessDenied', build: (ep) => signed(ep, { creds: keys.ro }) },
  { name: 'write-only key on a read endpoint', endpoints: READS, status: 403, code: 'AccessDenied', build: (ep) => signed(ep, { creds: keys.wo }) },
  {
    name: "another tenant's bucket, by its global alias",
    endpoints: ALL,
    status: 403,
    code: 'AccessDenied',
    build: (ep) => signed(ep, { bucket: B }),
  },
  {
    name: "another tenant's bucket, by its id",
    endpoints: ALL,
    status: 403,
    code: 'AccessDenied',
    build: (ep) => signed(ep, { bucket: bucketB }),
  },
  {
    name: "another tenant's local alias",
    endpoints: ALL,
    status: 404,
    code: 'NoSuchBucket',
    build: (ep) => signed(ep, { bucket: TENANT_ALIAS }),
  },
];

describe('K2V authorisation matrix: every endpoint x every refusal', () => {
  for (const row of ROWS) {
    it(`${row.name} -> ${row.status} ${row.code} on ${row.endpoints.length === ALL.length ? 'every endpoint' : row.endpoints.join(', ')}, nothing changed`, async () => {
      for (const ep of row.endpoints) {
        const req = row.build(ep);
        assertError(await send(req), row.status, row.code, req.target.split('?')[0]!, `${row.name} / ${ep}`);
      }
      await assertUnchanged(row.name);
    });
  }

  it('controls: the read-only key reads, and the tenant reaches its bucket through its local alias', async () => {
    for (const ep of READS) {
      const res = await send(signed(ep, { creds: keys.ro }));
      assert.equal(res.status, SUCCESS[ep], `read-only ${ep}: ${res.body.toString()}`);
    }
    const own = await send(signed('ReadItem', { creds: keys.tenant, bucket: TENANT_ALIAS }));
    assert.equal(own.status, 200, own.body.toString());
    assert.deepEqual(JSON.parse(own.body.toString()), [b64(`original ${B}`)]);
    await assertUnchanged('controls');
  });

  it('the raw store records (LMDB bytes, PostgreSQL rows) are identical after the whole matrix', async () => {
    const rawAfter = await storeDump(hs);
    assert.deepEqual(rawAfter, rawBefore);
  });

  it('control: the same requests with the owner key take effect (the refusals above were not no-ops)', async () => {
    for (const ep of ALL) {
      const res = await send(signed(ep));
      assert.equal(res.status, SUCCESS[ep], `${ep}: ${res.body.toString()}`);
    }
    assert.notEqual(await httpDump(hs, keys.rw, A, ['target']), visibleA);
  });
});

function adminIds(): AdminIds {
  return {
    key: keys.rw.accessKeyId,
    tenantKey: keys.tenant.accessKeyId,
    liveKeys: Object.values(keys).filter((k) => k !== keys.deleted).map((k) => k.accessKeyId),
    bucketA,
    bucketB,
    aliasA: A,
    tenantAlias: TENANT_ALIAS,
  };
}

describe('admin API: every route but GET /health and OPTIONS needs the token', () => {
  it('GET /health answers 200 without a token, and so does OPTIONS (a CORS preflight), changing nothing', async () => {
    const before = await adminState(hs, adminIds());
    const res = await hs.admin('GET', '/health', undefined, null);
    assert.equal(res.status, 200, res.body.toString());
    for (const target of ['/v1/key', `/v1/bucket?id=${bucketA}`, '/v2/ListKeys', '/v2/DeleteKey?id=x']) {
      const pre = await hs.admin('OPTIONS', target, undefined, null);
      assert.equal(pre.status, 200, `OPTIONS ${target}: ${pre.body.toString()}`);
      assert.equal(pre.body.length, 0);
      assert.equal(header(pre, 'access-control-allow-origin'), '*');
    }
    assert.equal(await adminState(hs, adminIds()), before);
  });

  const tokens: [string, () => string | null][] = [
    ['no Authorization header', () => null],
    ['a wrong token', () => 'not-the-token'],
    ['the token with one more character', () => `${hs.adminToken}x`],
    ['the token without its last character', () => hs.adminToken.slice(0, -1)],
  ];
  for (const [what, token] of tokens) {
    it(`${what} -> 403 AccessDenied on every route, nothing changed`, async () => {
      const before = await adminState(hs, adminIds());
      for (const r of adminRoutes(adminIds())) {
        const res = await hs.admin(r.method, r.target, r.body, token());
        assertError(res, 403, 'AccessDenied', r.target.split('?')[0]!, `${what}: ${r.method} ${r.target}`);
      }
      assert.equal(await adminState(hs, adminIds()), before);
    });
  }

  it('another scheme or a malformed Authorization -> 403 AccessDenied on every route', async () => {
    const before = await adminState(hs, adminIds());
    for (const auth of [`Basic ${hs.adminToken}`, hs.adminToken, 'Bearer', `bearer ${hs.adminToken}`, `Bearer${hs.adminToken}`, `Token ${hs.adminToken}`]) {
      for (const r of adminRoutes(adminIds())) {
        const data = r.body === undefined ? undefined : Buffer.from(JSON.stringify(r.body));
        const headers: [string, string][] = [['host', `127.0.0.1:${tcpAddress(hs.running.admin).port}`], ['authorization', auth], ['connection', 'close']];
        if (data !== undefined) headers.push(['content-type', 'application/json'], ['content-length', String(data.length)]);
        const ex = await exchange({ host: '127.0.0.1', port: tcpAddress(hs.running.admin).port }, { method: r.method, target: r.target, headers, ...(data ? { body: data } : {}) });
        assertError(ex.responses[0]!, 403, 'AccessDenied', r.target.split('?')[0]!, `${auth.slice(0, 12)}…: ${r.method} ${r.target}`);
      }
    }
    assert.equal(await adminState(hs, adminIds()), before);
  });

  it('control: with the token, the routes work (the refusals above were not no-ops)', async () => {
    const res = await hs.admin('POST', '/v1/key', { name: 'allowed' });
    assert.equal(res.status, 200, res.body.toString());
  });
});
