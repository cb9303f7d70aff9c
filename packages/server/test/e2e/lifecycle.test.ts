/**
 * Server lifecycle end to end: restart keeps data, tokens and seen markers; tombstone GC with a
 * short delay; graceful close answers waiting polls with 304; the real CLI starts, stops on
 * SIGTERM, and refuses a locked data dir or a busy port with exit code 1.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  b64,
  ct,
  deleteItem,
  enc,
  putItem,
  rawSend,
  readBatch,
  readIndex,
  readItem,
  uniquePk,
  useTestServer,
  type TestResponse,
  type TestServer,
} from './harness.js';
import { eventually, openWaiters, sendPresigned, sendTampered, within, type SigningTarget } from './support-http.js';
import { testWorkers } from '../support/worker-cluster.js';
import { freePort, occupyPort, spawnCli, waitHealthy, type Cli } from './support-process.js';

/** Node entries in a causality token: 8-byte checksum, then 16 bytes per node (contract section 2). */
function nodesInToken(token: string): number {
  return (Buffer.from(token, 'base64url').length - 8) / 16;
}

async function pollRange(ts: TestServer, pk: string, body: Record<string, unknown>): Promise<TestResponse> {
  return ts.request({ method: 'POST', path: `/${ts.bucket}/${enc(pk)}?poll_range`, body: JSON.stringify(body) });
}

describe('restart', () => {
  const ts = useTestServer();

  test('keeps all data, tokens stay valid, seen markers survive', async () => {
    const pk = uniquePk('restart');
    await putItem(ts, pk, 'a', 'alpha');
    await putItem(ts, pk, 'b', 'one');
    await putItem(ts, pk, 'b', 'two'); // no token: two concurrent values
    await putItem(ts, pk, 'c', 'gone');
    const c = await readItem(ts, pk, 'c');
    assert.ok(c);
    await deleteItem(ts, pk, 'c', c.ct);
    const before = {
      a: await readItem(ts, pk, 'a'),
      b: await readItem(ts, pk, 'b'),
      c: await readItem(ts, pk, 'c'),
      index: await readIndex(ts, `prefix=${enc(pk)}`),
      batch: await readBatch(ts, [{ partitionKey: pk, tombstones: true }]),
    };
    const first = await pollRange(ts, pk, {});
    assert.equal(first.status, 200, first.text());
    const marker = first.json<{ seenMarker: string }>().seenMarker;

    await ts.restart();

    assert.deepEqual(await readItem(ts, pk, 'a'), before.a);
    assert.deepEqual(await readItem(ts, pk, 'b'), before.b);
    assert.deepEqual(await readItem(ts, pk, 'c'), before.c);
    assert.deepEqual(await readIndex(ts, `prefix=${enc(pk)}`), before.index);
    assert.deepEqual(await readBatch(ts, [{ partitionKey: pk, tombstones: true }]), before.batch);

    // The marker from before the restart still decodes and still covers everything.
    const idle = await within(pollRange(ts, pk, { seenMarker: marker, timeout: 1 }), 10_000, 'poll');
    assert.equal(idle.status, 304, idle.text());

    // A write with a pre-restart token supersedes: one value.
    assert.ok(before.b);
    await putItem(ts, pk, 'b', 'merged', before.b.ct);
    const b = await readItem(ts, pk, 'b');
    assert.deepEqual(b?.values, ['merged']);
    // Same node id after the restart: the token still names one node (with K2V_TEST_WORKERS=N,
    // each worker is a node of its own: at most N, never a new one per restart).
    const nodes = nodesInToken(b?.ct ?? '');
    assert.ok(nodes >= 1 && nodes <= testWorkers(), `token ${b?.ct} names ${nodes} nodes`);

    // A write after the restart is newer than the pre-restart marker.
    const woken = await within(pollRange(ts, pk, { seenMarker: marker, timeout: 5 }), 10_000, 'poll');
    assert.equal(woken.status, 200, woken.text());
    assert.deepEqual(
      woken.json<{ items: { sk: string }[] }>().items.map((i) => i.sk),
      ['b'],
    );

    // A pre-restart token of an unchanged item still works too.
    assert.ok(before.a);
    await putItem(ts, pk, 'a', 'beta', before.a.ct);
    assert.deepEqual((await readItem(ts, pk, 'a'))?.values, ['beta']);
  });
});

describe('tombstone GC', () => {
  const ts = useTestServer({ tombstoneGcDelayMs: 500 });
  const skip = testWorkers() > 1 ? 'runs GC through the store of the test process (K2V_TEST_WORKERS: the store lives in the workers)' : false;

  test('a tombstone older than the delay is removed; counters unchanged; recent ones stay', { skip }, async () => {
    const gcOnce = (ts.server.store as unknown as { gcOnce?: () => Promise<number> }).gcOnce;
    assert.equal(typeof gcOnce, 'function', 'the LMDB store exposes gcOnce() for tests');

    const pk = uniquePk('gc');
    await putItem(ts, pk, 'alive', 'here');
    await putItem(ts, pk, 'gone', 'soon');
    const gone = await readItem(ts, pk, 'gone');
    assert.ok(gone);
    await deleteItem(ts, pk, 'gone', gone.ct);
    await deleteItem(ts, pk, 'never-written'); // tombstone-only from the start
    await putItem(ts, pk, 'revived', 'first');
    const rev = await readItem(ts, pk, 'revived');
    assert.ok(rev);
    await deleteItem(ts, pk, 'revived', rev.ct);
    const revDead = await readItem(ts, pk, 'revived');
    assert.ok(revDead);
    await putItem(ts, pk, 'revived', 'again', revDead.ct);
    assert.deepEqual((await readItem(ts, pk, 'gone'))?.values, [null]);
    const indexBefore = await readIndex(ts, `prefix=${enc(pk)}`);

    await new Promise((r) => setTimeout(r, 800));
    await putItem(ts, pk, 'recent', 'x');
    const recent = await readItem(ts, pk, 'recent');
    assert.ok(recent);
    await deleteItem(ts, pk, 'recent', recent.ct);

    const removed = await gcOnce!.call(ts.server.store);
    assert.equal(typeof removed, 'number');

    const res = await ts.request({ path: `/${ts.bucket}/${enc(pk)}?sort_key=gone` });
    assert.equal(res.status, 404, `ReadItem after GC: ${res.status} ${res.text()}`);
    assert.equal((await ts.request({ path: `/${ts.bucket}/${enc(pk)}?sort_key=never-written` })).status, 404);
    const listed = await readBatch(ts, [{ partitionKey: pk, tombstones: true }]);
    assert.deepEqual(
      listed[0]?.items.map((i) => i.sk),
      ['alive', 'recent', 'revived'],
    );
    assert.deepEqual((await readItem(ts, pk, 'recent'))?.values, [null]);
    assert.deepEqual((await readItem(ts, pk, 'revived'))?.values, ['again']);
    assert.deepEqual(await readIndex(ts, `prefix=${enc(pk)}`), indexBefore);

    // The collected item can be written again from scratch.
    await putItem(ts, pk, 'gone', 'reborn');
    assert.deepEqual((await readItem(ts, pk, 'gone'))?.values, ['reborn']);

    // A later GC pass collects the recent tombstone once it is old enough.
    await new Promise((r) => setTimeout(r, 800));
    await gcOnce!.call(ts.server.store);
    assert.equal((await ts.request({ path: `/${ts.bucket}/${enc(pk)}?sort_key=recent` })).status, 404);
  });
});

describe('graceful close', () => {
  const ts = useTestServer();

  test('answers waiting polls with 304', async () => {
    const pk = uniquePk('close');
    await putItem(ts, pk, 'k', 'v');
    const cur = await readItem(ts, pk, 'k');
    assert.ok(cur);
    const first = await pollRange(ts, pk, {});
    const marker = first.json<{ seenMarker: string }>().seenMarker;

    const polls = [
      ts.request({ path: `/${ts.bucket}/${enc(pk)}?sort_key=k&causality_token=${cur.ct}&timeout=120` }),
      ts.request({ path: `/${ts.bucket}/${enc(pk)}?sort_key=new&causality_token=AAAAAAAAAAA&timeout=120` }),
      pollRange(ts, pk, { seenMarker: marker, timeout: 120 }),
    ];
    await eventually(async () => (await openWaiters(ts.server)) >= 3, 10_000, 'polls registered');
    await within(ts.server.close(), 15_000, 'close');
    const answers = await within(Promise.all(polls), 15_000, 'polls answered on close');
    for (const a of answers) {
      assert.equal(a.status, 304, `${a.status} ${a.text()}`);
      assert.equal(a.body.length, 0);
    }
    assert.equal(ts.server.polls.size, 0);
  });
});

describe('CLI (bin/k2v.js)', () => {
  const dirs: string[] = [];
  const running: Cli[] = [];
  after(async () => {
    for (const c of running) if (c.exitCode() === undefined) c.child.kill('SIGKILL');
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  async function tempDir(): Promise<string> {
    const d = await mkdtemp(path.join(os.tmpdir(), 'k2v-cli-'));
    dirs.push(d);
    return d;
  }

  function serverArgs(dataDir: string, k2vPort: number, adminPort: number): string[] {
    return [
      'server',
      '--data-dir',
      dataDir,
      '--k2v-bind',
      `127.0.0.1:${k2vPort}`,
      '--admin-bind',
      `127.0.0.1:${adminPort}`,
      '--admin-token',
      't',
    ];
  }

  async function admin(adminPort: number, method: string, p: string, body?: unknown): Promise<TestResponse> {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: Record<string, string> = { host: `127.0.0.1:${adminPort}`, authorization: 'Bearer t' };
    if (data) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(data.length);
    }
    return rawSend({ host: '127.0.0.1', port: adminPort, method, path: p, headers, body: data });
  }

  test('--help works', async () => {
    const top = spawnCli(['--help']);
    assert.equal(await within(top.exited, 20_000, 'k2v --help'), 0, top.stderr());
    assert.match(top.stdout(), /server/);
    const sub = spawnCli(['server', '--help']);
    assert.equal(await within(sub.exited, 20_000, 'k2v server --help'), 0, sub.stderr());
    assert.match(sub.stdout(), /--data-dir/);
    assert.match(sub.stdout(), /--k2v-bind/);
  });

  test('serves, refuses a second server on the same data dir, exits 0 on SIGTERM', async () => {
    const dataDir = await tempDir();
    const [k2vPort, adminPort] = [await freePort(), await freePort()];
    const cli = spawnCli(serverArgs(dataDir, k2vPort, adminPort));
    running.push(cli);
    await waitHealthy(cli, adminPort);

    // A real round trip through the spawned server.
    const key = await admin(adminPort, 'POST', '/v1/key', { name: 'cli' });
    assert.equal(key.status, 200, key.text());
    const { accessKeyId, secretAccessKey } = key.json<{ accessKeyId: string; secretAccessKey: string }>();
    const bucket = await admin(adminPort, 'POST', '/v1/bucket', { globalAlias: 'cli-bucket' });
    assert.equal(bucket.status, 200, bucket.text());
    const allow = await admin(adminPort, 'POST', '/v1/bucket/allow', {
      bucketId: bucket.json<{ id: string }>().id,
      accessKeyId,
      permissions: { read: true, write: true },
    });
    assert.equal(allow.status, 200, allow.text());
    const target: SigningTarget = { k2vUrl: `http://127.0.0.1:${k2vPort}`, keyId: accessKeyId, secret: secretAccessKey, config: { region: 'garage' } };
    const put = await sendTampered(target, { method: 'PUT', path: '/cli-bucket/pk?sort_key=a', body: 'from cli', tamper: () => undefined });
    assert.equal(put.status, 204, put.text());
    const get = await sendPresigned(target, { method: 'GET', path: '/cli-bucket/pk?sort_key=a', expiresSeconds: 60 });
    assert.equal(get.status, 200, get.text());
    assert.deepEqual(get.json(), [b64('from cli')]);

    // Second server on the same data dir: exit 1 with a clear message, the first one unharmed.
    const [k2vPort2, adminPort2] = [await freePort(), await freePort()];
    const second = spawnCli(serverArgs(dataDir, k2vPort2, adminPort2));
    running.push(second);
    assert.equal(await within(second.exited, 20_000, 'second server'), 1, `stderr: ${second.stderr()}`);
    assert.match(second.stderr(), /in use|lock/i, `stderr: ${second.stderr()}`);
    await waitHealthy(cli, adminPort, 5_000);

    // A poll waiting at shutdown is answered 304, then the process exits 0.
    const poll = sendTampered(target, {
      method: 'GET',
      path: `/cli-bucket/pk?sort_key=a&causality_token=${ct(get)}&timeout=120`,
      tamper: () => undefined,
    });
    await new Promise((r) => setTimeout(r, 300));
    cli.child.kill('SIGTERM');
    const pollRes = await within(poll, 15_000, 'poll at shutdown');
    assert.equal(pollRes.status, 304);
    assert.equal(await within(cli.exited, 15_000, 'exit after SIGTERM'), 0, `stderr: ${cli.stderr()}`);

    // The data survived; the lock was released.
    const again = spawnCli(serverArgs(dataDir, k2vPort, adminPort));
    running.push(again);
    await waitHealthy(again, adminPort);
    const reread = await sendTampered(target, { method: 'GET', path: '/cli-bucket/pk?sort_key=a', tamper: () => undefined });
    assert.deepEqual(reread.json(), [b64('from cli')]);
    again.child.kill('SIGTERM');
    assert.equal(await within(again.exited, 15_000, 'exit after SIGTERM'), 0, `stderr: ${again.stderr()}`);
  });

  test('a port in use -> exit 1 naming it', async () => {
    for (const which of ['k2v', 'admin'] as const) {
      const busy = await occupyPort();
      try {
        const free = await freePort();
        const [k2vPort, adminPort] = which === 'k2v' ? [busy.port, free] : [free, busy.port];
        const cli = spawnCli(serverArgs(await tempDir(), k2vPort, adminPort));
        running.push(cli);
        assert.equal(await within(cli.exited, 20_000, `${which} port in use`), 1, `stderr: ${cli.stderr()}`);
        assert.ok(cli.stderr().includes(String(busy.port)), `stderr names the port ${busy.port}: ${cli.stderr()}`);
      } finally {
        await busy.close();
      }
    }
  });
});
