/**
 * `k2v server --workers 2` (issue 13, "both cores"): the real CLI, two worker processes over one
 * LMDB data dir behind one port. Connections are spread over the workers by the primary (round
 * robin), so anything done on many connections at once reaches both: writes read back through
 * other connections, PollItem and PollRange held on both workers and woken by writes through
 * either, concurrent writes to one item kept as siblings (two nodes), a revoked key refused by
 * every worker as soon as the revoke is answered, a SIGKILLed worker restarted, the data dir lock,
 * SIGTERM stopping everything with exit code 0, and workers leaving when the primary is SIGKILLed.
 *
 * LMDB only (test/support/e2e-on-postgres.ts LMDB_ONLY): --workers is refused on PostgreSQL.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createTenant, freePort, ServerProcess, sleep, type ServerProcessOptions, type Tenant } from '../support/server-process.js';
import { describe as describeRes, enc, SignedClient, tokenOf, type K2vResponse } from '../support/signed-client.js';

const CONNS = 16;

let dataDir: string;
let opts: ServerProcessOptions;
let proc: ServerProcess;
let tenant: Tenant;
const clients: SignedClient[] = [];

/** A client whose requests each open a new connection (spread over the workers). */
function fresh(t: Tenant = tenant, max = CONNS): SignedClient {
  const c = new SignedClient({ url: proc.k2vUrl, ...t, maxSockets: max, timeoutMs: 60_000 });
  clients.push(c);
  return c;
}

async function start(o: ServerProcessOptions): Promise<ServerProcess> {
  const p = new ServerProcess(o);
  await p.waitHealthy();
  assert.ok(await p.waitForLog('k2v server ready: every worker listens', 30_000), `not ready: ${p.stdout()}`);
  return p;
}

/** The pids of the live workers, from their 'LMDB store open' lines (slot -> pid, last start wins). */
function workerPids(p: ServerProcess): Map<number, number> {
  const pids = new Map<number, number>();
  for (const e of p.logs()) {
    if (e.msg !== 'LMDB store open') continue;
    const r = JSON.parse(e.raw) as { pid: number; slot: number };
    pids.set(r.slot, r.pid);
  }
  return pids;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function heldPolls(): Promise<number> {
  const res = await fetch(`${proc.adminUrl}/metrics`);
  const m = /^k2v_polls_held (\d+)/m.exec(await res.text());
  return m === null ? -1 : Number(m[1]);
}

async function until(cond: () => Promise<boolean> | boolean, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await sleep(20);
  }
}

function ok(res: K2vResponse, status = 200): K2vResponse {
  assert.equal(res.status, status, describeRes(res));
  return res;
}

const written = (res: K2vResponse): K2vResponse => ok(res, 204);
const put = (c: SignedClient, pk: string, sk: string, value: string, token?: string) =>
  c.request({ method: 'PUT', path: `/${tenant.bucket}/${enc(pk)}?sort_key=${enc(sk)}`, body: value, headers: token === undefined ? {} : { 'x-garage-causality-token': token } });
const get = (c: SignedClient, pk: string, sk: string) =>
  c.request({ path: `/${tenant.bucket}/${enc(pk)}?sort_key=${enc(sk)}`, headers: { accept: 'application/json' } });
const values = (res: K2vResponse): string[] => (JSON.parse(res.body.toString('utf8')) as string[]).map((v) => Buffer.from(v, 'base64').toString('utf8'));

before(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'k2v-workers-'));
  opts = { dataDir, k2vPort: await freePort(), adminPort: await freePort(), adminToken: randomBytes(16).toString('hex'), extraArgs: ['--workers', '2'] };
  proc = await start(opts);
  tenant = await createTenant(opts.adminPort, opts.adminToken, `w-${randomBytes(4).toString('hex')}`);
});

after(async () => {
  for (const c of clients) c.close();
  if (proc.exitCode() === undefined) await proc.kill('SIGKILL');
  await rm(dataDir, { recursive: true, force: true });
});

describe('two workers behind one port', () => {
  test('each write is read back at once through other connections (both workers)', async () => {
    const writer = fresh();
    const reader = fresh();
    const pk = 'many';
    await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        written(await put(writer, pk, `k${i}`, `v${i}`));
        // Acknowledged: every worker shows it from now on.
        assert.deepEqual(values(ok(await get(reader, pk, `k${i}`))), [`v${i}`]);
      }),
    );
    const batch = ok(
      await reader.request({ method: 'POST', path: `/${tenant.bucket}?search`, body: JSON.stringify([{ partitionKey: pk, limit: 1000 }]) }),
    );
    const [r] = JSON.parse(batch.body.toString('utf8')) as { items: unknown[] }[];
    assert.equal(r!.items.length, 200);
  });

  test('PollItem held on both workers wakes on a write through either', async () => {
    const c = fresh(tenant, 64);
    const pk = 'poll-item';
    written(await put(c, pk, 'x', 'v0'));
    const token = tokenOf(ok(await get(c, pk, 'x')))!;
    const base = await heldPolls();
    const polls = Array.from({ length: 24 }, () =>
      c.request({ path: `/${tenant.bucket}/${enc(pk)}?sort_key=x&causality_token=${enc(token)}&timeout=60`, headers: { accept: 'application/json' } }),
    );
    await until(async () => (await heldPolls()) >= base + 24, '24 PollItems held');
    written(await put(fresh(), pk, 'x', 'v1', token));
    for (const res of await Promise.all(polls)) assert.deepEqual(values(ok(res)), ['v1']);
  });

  test('PollRange held on both workers wakes on a write through either', async () => {
    const c = fresh(tenant, 64);
    const pk = 'poll-range';
    written(await put(c, pk, 'a', 'first'));
    const poll = (marker?: string) =>
      c.request({
        method: 'POST',
        path: `/${tenant.bucket}/${enc(pk)}?poll_range`,
        body: JSON.stringify({ timeout: 60, ...(marker === undefined ? {} : { seenMarker: marker }) }),
      });
    const first = JSON.parse(ok(await poll()).body.toString('utf8')) as { items: unknown[]; seenMarker: string };
    assert.equal(first.items.length, 1);
    const base = await heldPolls();
    const polls = Array.from({ length: 24 }, () => poll(first.seenMarker));
    await until(async () => (await heldPolls()) >= base + 24, '24 PollRanges held');
    written(await put(fresh(), pk, 'b', 'second'));
    for (const res of await Promise.all(polls)) {
      const r = JSON.parse(ok(res).body.toString('utf8')) as { items: { sk: string }[] };
      assert.deepEqual(
        r.items.map((i) => i.sk),
        ['b'],
      );
    }
  });

  test('concurrent writes to one item through both workers are all kept (siblings)', async () => {
    const pk = 'siblings';
    const writers = Array.from({ length: 12 }, () => fresh(tenant, 1));
    await Promise.all(writers.map((w, i) => put(w, pk, 'x', `s${i}`).then(written)));
    const got = values(ok(await get(fresh(), pk, 'x')));
    assert.deepEqual([...got].sort(), Array.from({ length: 12 }, (_, i) => `s${i}`).sort());
    // Two writes on the same token, through different workers: both survive, the old ones go.
    const token = tokenOf(ok(await get(fresh(), pk, 'x')))!;
    await Promise.all(['t1', 't2'].map((v) => put(fresh(tenant, 1), pk, 'x', v, token).then(written)));
    assert.deepEqual(values(ok(await get(fresh(), pk, 'x'))).sort(), ['t1', 't2']);
  });

  test('a revoked key is refused by every worker as soon as the revoke is answered', async () => {
    for (let round = 0; round < 3; round++) {
      const t = await createTenant(opts.adminPort, opts.adminToken, `rv-${round}-${randomBytes(3).toString('hex')}`);
      const c = fresh(t, 32);
      const reqs = () => Array.from({ length: 32 }, (_, i) => c.request({ path: `/${t.bucket}/p?sort_key=k${i}` }));
      for (const res of await Promise.all(reqs())) assert.equal(res.status, 404, describeRes(res));
      const del = await fetch(`${proc.adminUrl}/v1/key?id=${t.accessKeyId}`, { method: 'DELETE', headers: { authorization: `Bearer ${opts.adminToken}` } });
      assert.ok(del.ok, `revoke: ${del.status}`);
      // Kept-alive connections on both workers and new ones: every request is refused.
      for (const res of await Promise.all(reqs())) assert.equal(res.status, 403, describeRes(res));
    }
  });

  test('a SIGKILLed worker is started again in its slot; nothing acknowledged is lost', async () => {
    const c = fresh();
    for (let i = 0; i < 50; i++) written(await put(c, 'crash', `k${i}`, `v${i}`));
    const before = workerPids(proc);
    assert.equal(before.size, 2);
    process.kill(before.get(1)!, 'SIGKILL');
    await until(() => workerPids(proc).get(1) !== before.get(1), 'slot 1 started again');
    await until(() => proc.logs().filter((e) => e.msg === 'k2v server listening').length >= 3, 'restarted worker listens');
    const r = fresh();
    for (let i = 0; i < 50; i++) assert.deepEqual(values(ok(await get(r, 'crash', `k${i}`))), [`v${i}`]);
    assert.ok(proc.logs().some((e) => e.msg === 'worker died: starting it again'));
    assert.ok(alive(workerPids(proc).get(0)!), 'slot 0 kept running');
  });

  test('a second server on the same data dir is refused', async () => {
    for (const extra of [[], ['--workers', '2']]) {
      const other = new ServerProcess({ ...opts, k2vPort: await freePort(), adminPort: await freePort(), extraArgs: extra });
      assert.equal(await other.exited, 1);
      assert.match(other.stderr(), /in use by pid/);
    }
  });

  test('SIGTERM to the primary stops every worker; exit code 0; the lock is released', async () => {
    const pids = [...workerPids(proc).values()];
    assert.equal(await proc.kill('SIGTERM'), 0);
    for (const pid of pids) assert.ok(!alive(pid), `worker ${pid} still alive`);
    assert.ok(!fs.existsSync(path.join(dataDir, 'k2v.pid')));
    assert.equal(proc.logs().filter((e) => e.msg === 'k2v server stopped').length, 2);
  });

  test('SIGKILL of the primary: the workers exit; a new server then starts on the directory', async () => {
    proc = await start(opts);
    const pids = [...workerPids(proc).values()];
    assert.equal(await proc.kill('SIGKILL'), 'SIGKILL');
    await until(() => pids.every((p) => !alive(p)), 'workers gone after the primary');
    proc = await start(opts);
    assert.deepEqual(values(ok(await get(fresh(), 'crash', 'k7'))), ['v7']);
    assert.equal(await proc.kill('SIGTERM'), 0);
  });
});
