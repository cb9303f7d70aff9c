/**
 * Limits and slow clients (issue 5, item 3), against servers configured with short timeouts and
 * small caps (src/config/limits.ts ConnectionLimits; the defaults are documented there):
 * - a few hundred slow-loris connections do not slow normal traffic, and are answered 408 and
 *   closed at the headers timeout, even when they ignore the answer;
 * - slow bodies are cut at the request timeout and write nothing;
 * - long polls outlive the request timeout (it ends when the request has been received);
 * - idle keep-alive connections are closed; per-address and global connection caps hold;
 * - header size and every documented K2V limit are enforced with a 4xx, nothing written;
 * - running out of file descriptors does not bring the server down.
 *
 * LMDB only (test/support/e2e-on-postgres.ts LMDB_ONLY): HTTP connection limits, independent of the store.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertError, BUCKET, send, setUp, signed, type Env } from '../support-hostile/env.js';
import { httpDump } from '../support-hostile/dump.js';
import { spawnLimitedServer } from '../support-hostile/limited-process.js';
import { exchange, header, serialize, type RawRequest, type RawResponse } from '../support-hostile/raw-http.js';
import { removeHeader, setHeader, sign } from '../support-hostile/sign.js';
import { slowClient, type SlowClient } from '../support-hostile/slow-socket.js';
import { eventually, sleep, within } from './support-http.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

/** `n` signed PUT+GET pairs from 127.0.0.1, `concurrency` at a time; returns the slowest latency. */
async function normalTraffic(env: Env, n: number, concurrency: number): Promise<number> {
  let next = 0;
  let slowest = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      const started = Date.now();
      const put = await send(env, signed(env, 'PUT', `/${BUCKET}/normal?sort_key=k${i}`, `value ${i}`));
      assert.equal(put.status, 204, put.body.toString());
      const get = await send(env, signed(env, 'GET', `/${BUCKET}/normal?sort_key=k${i}`));
      assert.equal(get.status, 200, get.body.toString());
      assert.deepEqual(JSON.parse(get.body.toString()), [b64(`value ${i}`)]);
      slowest = Math.max(slowest, Date.now() - started);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return slowest;
}

/** The K2V listener's open connections, as the server counts them (`/metrics`). */
async function openK2vConnections(env: Env): Promise<number> {
  const res = await env.hs.admin('GET', '/metrics');
  assert.equal(res.status, 200, res.body.toString());
  const m = /^k2v_open_connections\{listener="k2v"\} (\d+)$/m.exec(res.body.toString());
  assert.ok(m !== null, 'k2v_open_connections{listener="k2v"} in /metrics');
  return Number(m[1]);
}

async function allConnected(clients: SlowClient[]): Promise<void> {
  await eventually(() => clients.every((c) => c.connected()), 10_000, 'slow clients connected');
}

describe('slow clients (headers 1.5 s, request 3 s, keep-alive 1 s, send 2 s)', () => {
  const conn = {
    headersTimeoutMs: 1_500,
    requestTimeoutMs: 3_000,
    keepAliveTimeoutMs: 1_000,
    sendTimeoutMs: 2_000,
    maxConnections: 2_000,
    maxConnectionsPerIp: 400,
  };
  let env: Env;
  before(async () => {
    env = await setUp(conn);
  });
  after(async () => {
    await env?.hs.stop();
  });

  it('300 slow-loris connections: normal traffic stays prompt, each is answered 408 and closed at the headers timeout', async (t) => {
    const { host, port } = env.hs.k2v();
    const head = Buffer.from(`GET /${BUCKET}/p?sort_key=a HTTP/1.1\r\nhost: x\r\nx-slow: `);
    // Half of them ignore the answer and keep sending: the server must close those too.
    const clients = Array.from({ length: 300 }, (_, i) =>
      slowClient({ host, port, localAddress: '127.0.0.2', head, drip: Buffer.from('a'), everyMs: 200, allowHalfOpen: i % 2 === 0 }),
    );
    await allConnected(clients);
    const slowest = await normalTraffic(env, 200, 8);
    t.diagnostic(`slowest of 200 normal PUT+GET pairs beside 300 slow-loris connections: ${slowest} ms`);
    assert.ok(slowest < 2_000, `normal requests were slowed down: ${slowest} ms`);
    const ends = await within(Promise.all(clients.map((c) => c.closed)), 20_000, 'the server closing every slow-loris connection');
    const lifetimes = ends.map((e, i) => e.at - clients[i]!.openedAt);
    t.diagnostic(`slow-loris connections lived ${Math.min(...lifetimes)}-${Math.max(...lifetimes)} ms`);
    for (const [i, e] of ends.entries()) {
      assert.equal(e.responses.length, 1, `client ${i}: ${e.bytes} bytes, ${e.error}`);
      assertError(env, e.responses[0]!, 408, 'InvalidRequest', `slow-loris ${i}`);
    }
    // headers timeout + node's check period (a quarter of it) + the 2 s linger for clients ignoring the answer
    assert.ok(Math.max(...lifetimes) < conn.headersTimeoutMs + 375 + 2_000 + 1_500, `a slow-loris connection lived ${Math.max(...lifetimes)} ms`);
    assert.ok(Math.min(...lifetimes) >= conn.headersTimeoutMs - 50, `closed before the headers timeout: ${Math.min(...lifetimes)} ms`);
  });

  it('50 slow bodies: answered 408 at the request timeout, nothing written', async () => {
    const { host, port } = env.hs.k2v();
    const before = await httpDump(env.hs, env.creds, BUCKET, ['slow-body']);
    const clients = Array.from({ length: 50 }, (_, i) => {
      const req = sign(env.hs.host, { method: 'PUT', target: `/${BUCKET}/slow-body?sort_key=k${i}`, body: Buffer.alloc(100, 1) }, {
        creds: env.creds,
        region: env.hs.config.region,
        contentSha256: 'unsigned',
      });
      return slowClient({ host, port, localAddress: '127.0.0.4', head: serialize({ ...req, body: Buffer.alloc(0) }), drip: Buffer.from([1]), everyMs: 100 });
    });
    await allConnected(clients);
    const ends = await within(Promise.all(clients.map((c) => c.closed)), 20_000, 'the server closing every slow body');
    for (const [i, e] of ends.entries()) {
      const lifetime = e.at - clients[i]!.openedAt;
      assert.equal(e.responses.length, 1, `client ${i}: ${e.bytes} bytes, ${e.error}`);
      assertError(env, e.responses[0]!, 408, 'InvalidRequest', `slow body ${i}`);
      assert.equal((JSON.parse(e.responses[0]!.body.toString()) as { path: string }).path, `/${BUCKET}/slow-body`);
      assert.ok(lifetime >= conn.requestTimeoutMs - 50 && lifetime < conn.requestTimeoutMs + 3_000, `slow body ${i} lived ${lifetime} ms`);
    }
    assert.equal(await httpDump(env.hs, env.creds, BUCKET, ['slow-body']), before);
  });

  it('long polls are not cut by the request timeout (304 at their own timeout, 200 when woken)', async () => {
    const tokens: Record<string, string> = {};
    for (const sk of ['a', 'b']) {
      assert.equal((await send(env, signed(env, 'PUT', `/${BUCKET}/polls?sort_key=${sk}`, 'v1'))).status, 204);
      tokens[sk] = header(await send(env, signed(env, 'GET', `/${BUCKET}/polls?sort_key=${sk}`)), 'x-garage-causality-token')!;
    }
    const token = tokens['a']!;
    const range = await send(env, signed(env, 'POST', `/${BUCKET}/polls?poll_range`, '{}'));
    const marker = (JSON.parse(range.body.toString()) as { seenMarker: string }).seenMarker;

    const started = Date.now();
    const timed = async (p: Promise<RawResponse>) => {
      const res = await p;
      return { res, ms: Date.now() - started };
    };
    // Item b and the range of prefix b see no change: they wait for their 5 s.
    const idle = timed(send(env, signed(env, 'GET', `/${BUCKET}/polls?sort_key=b&causality_token=${tokens['b']}&timeout=5`)));
    const idleRange = timed(send(env, signed(env, 'POST', `/${BUCKET}/polls?poll_range`, JSON.stringify({ prefix: 'b', seenMarker: marker, timeout: 5 }))));
    const woken = timed(send(env, signed(env, 'GET', `/${BUCKET}/polls?sort_key=a&causality_token=${token}&timeout=10`)));
    await sleep(4_000);
    assert.equal((await send(env, signed(env, 'PUT', `/${BUCKET}/polls?sort_key=a`, 'v2', { 'x-garage-causality-token': token }))).status, 204);

    const w = await woken;
    assert.equal(w.res.status, 200, w.res.body.toString());
    assert.deepEqual(JSON.parse(w.res.body.toString()), [b64('v2')]);
    assert.ok(w.ms >= 3_900, `woken after ${w.ms} ms`);
    for (const [what, p] of [['PollItem', idle], ['PollRange', idleRange]] as const) {
      const r = await p;
      assert.equal(r.res.status, 304, `${what}: ${r.res.status} ${r.res.body.toString()}`);
      assert.ok(r.ms >= 4_900, `${what} answered after ${r.ms} ms`);
    }
  });

  it('a client that stops reading a large streamed response is cut after the send timeout', async () => {
    // 40 values of 512 KiB: a ReadBatch answer of ~28 MB, more than the socket buffers hold
    const value = Buffer.alloc(512 * 1024, 7);
    for (let i = 0; i < 40; i++) {
      assert.equal((await send(env, signed(env, 'PUT', `/${BUCKET}/big?sort_key=k${String(i).padStart(2, '0')}`, value))).status, 204);
    }
    const { host, port } = env.hs.k2v();
    const req = signed(env, 'POST', `/${BUCKET}?search`, JSON.stringify([{ partitionKey: 'big' }]));
    // A reader that keeps reading gets the whole answer.
    const full = await send(env, req);
    assert.equal(full.status, 200);
    assert.equal((JSON.parse(full.body.toString()) as { items: unknown[] }[])[0]!.items.length, 40);

    await eventually(async () => (await openK2vConnections(env)) === 0, 10_000, 'no K2V connection open before the stalled readers');
    const readers = Array.from({ length: 5 }, () => {
      const c = slowClient({ host, port, head: serialize(req) });
      c.socket.pause(); // stops reading: the server's writes stall once the socket buffers are full
      return c;
    });
    await eventually(async () => (await openK2vConnections(env)) === readers.length, 10_000, 'the stalled readers connected');
    // The server cuts each stalled response once its socket has had no progress for the send
    // timeout; on a loaded machine the answer may start late, so wait for the cuts themselves
    // (the server's own count of open connections) before reading again.
    await eventually(async () => (await openK2vConnections(env)) === 0, 60_000, 'the server closing the stalled connections');
    // Reading again drains what the kernel had buffered, then meets the end of a cut response.
    for (const c of readers) c.socket.resume();
    const ends = await within(Promise.all(readers.map((c) => c.closed)), 15_000, 'the end of the stalled responses');
    for (const [i, e] of ends.entries()) {
      assert.equal(e.responses.length, 0, `stalled reader ${i} got a complete response`);
      assert.ok(e.bytes < full.body.length, `stalled reader ${i}: ${e.bytes} bytes of ${full.body.length}`);
    }
  });

  it('an idle keep-alive connection is closed after the keep-alive timeout', async () => {
    const req = removeHeader(signed(env, 'GET', `/${BUCKET}/polls?sort_key=a`), 'connection');
    const { host, port } = env.hs.k2v();
    const c = slowClient({ host, port, head: serialize(req) });
    await eventually(() => c.socket.bytesRead > 0, 5_000, 'response');
    const answeredAt = Date.now();
    const end = await c.closed;
    assert.equal(end.responses[0]?.status, 200);
    const idle = end.at - answeredAt;
    assert.ok(idle >= conn.keepAliveTimeoutMs - 200 && idle < conn.keepAliveTimeoutMs + 2_000, `closed after ${idle} ms idle`);
  });
});

describe('connection caps and header size', () => {
  let env: Env;
  before(async () => {
    env = await setUp({ headersTimeoutMs: 20_000, maxConnections: 60, maxConnectionsPerIp: 20, maxHeaderBytes: 4096 });
  });
  after(async () => {
    await env?.hs.stop();
  });

  const partial = Buffer.from(`GET /${BUCKET}/p?sort_key=a HTTP/1.1\r\n`);

  it('maxConnectionsPerIp: the 21st connection from one address is closed at once, other addresses are served', async () => {
    const { host, port } = env.hs.k2v();
    const held = Array.from({ length: 20 }, () => slowClient({ host, port, localAddress: '127.0.0.3', head: partial }));
    await allConnected(held);
    await sleep(100);
    const extra = slowClient({ host, port, localAddress: '127.0.0.3', head: partial });
    const refused = await extra.closed;
    assert.equal(refused.bytes, 0, 'refused without an answer');
    assert.ok(refused.at - extra.openedAt < 2_000);
    assert.ok(held.every((c) => !c.socket.destroyed), 'the 20 first are still open');

    assert.equal((await send(env, signed(env, 'GET', `/${BUCKET}`))).status, 200, 'another address is served');
    held[0]!.stop();
    await sleep(200);
    assert.equal((await send(env, signed(env, 'GET', `/${BUCKET}`), '127.0.0.3')).status, 200, 'a freed slot is reused');
    for (const c of held) c.stop();
    assert.ok(env.hs.logs.some((l) => l.msg === 'connection refused: maxConnectionsPerIp reached'), 'logged');
  });

  it('maxConnections: beyond 60 open connections, new ones are closed at once; freed slots serve again', async () => {
    const { host, port } = env.hs.k2v();
    const held = Array.from({ length: 60 }, (_, i) => slowClient({ host, port, localAddress: `127.0.1.${10 + (i % 6)}`, head: partial }));
    await allConnected(held);
    await sleep(200);
    const extra = slowClient({ host, port, localAddress: '127.0.2.1', head: partial });
    const refused = await extra.closed;
    assert.equal(refused.bytes, 0);
    for (const c of held) c.stop();
    await sleep(300);
    assert.equal((await send(env, signed(env, 'GET', `/${BUCKET}`))).status, 200);
    assert.ok(env.hs.logs.some((l) => l.msg === 'connection refused: maxConnections reached'), 'logged');
  });

  it('maxHeaderBytes (4 KiB here): larger headers -> 431 JSON; smaller ones are served', async () => {
    const ok = setHeader(signed(env, 'GET', `/${BUCKET}`), 'x-pad', 'p'.repeat(2_000));
    assert.equal((await send(env, ok)).status, 200);
    const big = setHeader(signed(env, 'GET', `/${BUCKET}`), 'x-pad', 'p'.repeat(5_000));
    assertError(env, await send(env, big), 431, 'InvalidRequest', 'header over 4 KiB');
  });
});

describe('documented K2V limits, configured small, are enforced with a 4xx and write nothing', () => {
  const limits = {
    maxPartitionKeyBytes: 16,
    maxSortKeyBytes: 8,
    maxValueBytes: 32,
    maxBatchBodyBytes: 512,
    maxBatchEntries: 3,
    maxValuesPerItem: 2,
    maxSeenMarkerChars: 40,
  };
  let env: Env;
  before(async () => {
    env = await setUp({}, limits);
  });
  after(async () => {
    await env?.hs.stop();
  });

  const json = (v: unknown) => JSON.stringify(v);
  const pk16 = 'p'.repeat(16);
  const pk17 = 'p'.repeat(17);

  it('each limit: the largest allowed passes, one more is refused', async () => {
    const ok = async (req: RawRequest, status: number) => {
      const res = await send(env, req);
      assert.equal(res.status, status, `${req.method} ${req.target}: ${res.body.toString()}`);
    };
    const refused = async (req: RawRequest, status: number, code: string) => {
      // (a partition key over the limit cannot be read back: it cannot exist either)
      const before = await httpDump(env.hs, env.creds, BUCKET, [pk16, 'lim']);
      assertError(env, await send(env, req), status, code, `${req.method} ${req.target} ${req.body?.subarray(0, 80).toString() ?? ''}`);
      assert.equal(await httpDump(env.hs, env.creds, BUCKET, [pk16, 'lim']), before, `store changed by ${req.method} ${req.target}`);
    };
    // partition key
    await ok(signed(env, 'PUT', `/${BUCKET}/${pk16}?sort_key=a`, 'x'), 204);
    await refused(signed(env, 'PUT', `/${BUCKET}/${pk17}?sort_key=a`, 'x'), 400, 'InvalidRequest');
    await refused(signed(env, 'GET', `/${BUCKET}/${pk17}?sort_key=a`), 400, 'InvalidRequest');
    await refused(signed(env, 'POST', `/${BUCKET}/${pk17}?poll_range`, '{}'), 400, 'InvalidRequest');
    await refused(signed(env, 'POST', `/${BUCKET}`, json([{ pk: pk17, sk: 'a', v: null }])), 400, 'InvalidRequest');
    await refused(signed(env, 'POST', `/${BUCKET}?search`, json([{ partitionKey: pk17 }])), 400, 'InvalidRequest');
    await refused(signed(env, 'POST', `/${BUCKET}?delete`, json([{ partitionKey: pk17 }])), 400, 'InvalidRequest');
    // sort key
    await ok(signed(env, 'PUT', `/${BUCKET}/lim?sort_key=${'s'.repeat(8)}`, 'x'), 204);
    await refused(signed(env, 'PUT', `/${BUCKET}/lim?sort_key=${'s'.repeat(9)}`, 'x'), 400, 'InvalidRequest');
    await refused(signed(env, 'DELETE', `/${BUCKET}/lim?sort_key=${'s'.repeat(9)}`), 400, 'InvalidRequest');
    await refused(signed(env, 'POST', `/${BUCKET}`, json([{ pk: 'lim', sk: 's'.repeat(9), v: null }])), 400, 'InvalidRequest');
    // value size
    await ok(signed(env, 'PUT', `/${BUCKET}/lim?sort_key=v`, Buffer.alloc(32, 1)), 204);
    await refused(signed(env, 'PUT', `/${BUCKET}/lim?sort_key=v2`, Buffer.alloc(33, 1)), 413, 'PayloadTooLarge');
    await refused(signed(env, 'POST', `/${BUCKET}`, json([{ pk: 'lim', sk: 'v2', v: Buffer.alloc(33, 1).toString('base64') }])), 400, 'InvalidRequest');
    // body size (every body-reading endpoint)
    const fat = (n: number) => 'f'.repeat(n);
    await ok(signed(env, 'POST', `/${BUCKET}?search`, json([{ partitionKey: 'lim', start: fat(512 - 36) }])), 200);
    for (const [method, target, body] of [
      ['POST', `/${BUCKET}`, json([{ pk: 'lim', sk: 'b', v: null, pad: fat(512) }])],
      ['POST', `/${BUCKET}?search`, json([{ partitionKey: 'lim', start: fat(512) }])],
      ['SEARCH', `/${BUCKET}`, json([{ partitionKey: 'lim', start: fat(512) }])],
      ['POST', `/${BUCKET}?delete`, json([{ partitionKey: 'lim', start: fat(512) }])],
      ['POST', `/${BUCKET}/lim?poll_range`, json({ start: fat(512) })],
    ] as const) {
      await refused(signed(env, method, target, body), 413, 'PayloadTooLarge');
    }
    // entries per batch
    await ok(signed(env, 'POST', `/${BUCKET}?search`, json([{ partitionKey: 'lim' }, { partitionKey: 'lim' }, { partitionKey: 'lim' }])), 200);
    await refused(signed(env, 'POST', `/${BUCKET}`, json(Array.from({ length: 4 }, (_, i) => ({ pk: 'lim', sk: `e${i}`, v: null })))), 400, 'InvalidRequest');
    await refused(signed(env, 'POST', `/${BUCKET}?search`, json(Array.from({ length: 4 }, () => ({ partitionKey: 'lim' })))), 400, 'InvalidRequest');
    await refused(signed(env, 'POST', `/${BUCKET}?delete`, json(Array.from({ length: 4 }, () => ({ partitionKey: 'lim' })))), 400, 'InvalidRequest');
    // values per item
    await ok(signed(env, 'PUT', `/${BUCKET}/lim?sort_key=c`, '1'), 204);
    await ok(signed(env, 'PUT', `/${BUCKET}/lim?sort_key=c`, '2'), 204);
    await refused(signed(env, 'PUT', `/${BUCKET}/lim?sort_key=c`, '3'), 400, 'InvalidRequest');
    await refused(signed(env, 'POST', `/${BUCKET}`, json([{ pk: 'lim', sk: 'c', v: b64('3') }])), 400, 'InvalidRequest');
    // seen marker
    const first = await send(env, signed(env, 'POST', `/${BUCKET}/lim?poll_range`, '{}'));
    const marker = (JSON.parse(first.body.toString()) as { seenMarker: string }).seenMarker;
    assert.ok(marker.length <= 40, `marker of ${marker.length} characters`);
    await ok(signed(env, 'POST', `/${BUCKET}/lim?poll_range`, json({ seenMarker: marker, timeout: 1 })), 304);
    await refused(signed(env, 'POST', `/${BUCKET}/lim?poll_range`, json({ seenMarker: marker + 'A'.repeat(41 - marker.length), timeout: 1 })), 400, 'InvalidRequest');
  });
});

describe('file descriptors exhausted (the server process limited to 96)', () => {
  it('a flood of 300 connections does not bring the server down; it serves again afterwards', async () => {
    const proc = await spawnLimitedServer(96);
    try {
      const flood = Array.from({ length: 300 }, () => slowClient({ host: '127.0.0.1', port: proc.k2vPort, head: Buffer.from('GET /b/p?sort_key=a HTTP/1.1\r\n') }));
      await sleep(1_500);
      assert.equal(proc.exited(), undefined, `the server exited during the flood: ${proc.stderr()}`);
      for (const c of flood) c.stop();
      await sleep(500);
      assert.equal(await proc.health(), 200);
      const res = (await exchange({ host: '127.0.0.1', port: proc.k2vPort }, { method: 'GET', target: '/b/p?sort_key=a', headers: [['host', 'x'], ['connection', 'close']] })).responses[0];
      assert.equal(res?.status, 403, 'the K2V API answers again');
      assert.equal(proc.exited(), undefined);
    } finally {
      await proc.stop();
    }
  });
});
