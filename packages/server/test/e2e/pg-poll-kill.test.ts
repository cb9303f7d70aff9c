/**
 * A K2V server SIGKILLed while it holds a poll (issue 11, "its polls' clients re-poll
 * elsewhere"): three `k2v server` processes on one throwaway PostgreSQL database; a PollItem held
 * on server B ends without an answer when B is killed (never a wrong answer), the client re-polls
 * with the same causality token on server C, and a write through server A wakes it with exactly
 * that write (C learns of it by NOTIFY). A and C carry on throughout.
 *
 * PostgreSQL-only: skipped on the LMDB pass of `npm test`, run by its PostgreSQL pass
 * (test/support/e2e-on-postgres.ts), or by hand with K2V_TEST_DB_ENGINE=postgres.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startPgCluster, type PgCluster } from '../support/pg-cluster.js';
import { createTenant, freePort, ServerProcess, sleep } from '../support/server-process.js';
import { enc, SignedClient, tokenOf, TransportError } from '../support/signed-client.js';
import { TEST_DB_ENGINE } from './db-engine.js';

let cluster: PgCluster | undefined;
const dirs: string[] = [];
const procs: ServerProcess[] = [];
const clients: SignedClient[] = [];
after(async () => {
  for (const c of clients) c.close();
  for (const p of procs) if (p.exitCode() === undefined) await p.kill('SIGKILL');
  await cluster?.destroy();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

test(
  'a PollItem held by a killed server is re-polled on another and woken by a write through a third',
  { timeout: 120_000, skip: TEST_DB_ENGINE === 'postgres' ? false : 'PostgreSQL only: run by the PostgreSQL pass (K2V_TEST_DB_ENGINE=postgres)' },
  async () => {
    cluster = await startPgCluster();
    const postgresUrl = await cluster.createDatabase();
    const adminToken = randomBytes(16).toString('hex');
    for (let i = 0; i < 3; i++) {
      const dataDir = await mkdtemp(path.join(os.tmpdir(), `k2v-pg-poll${i}-`));
      dirs.push(dataDir);
      const p = new ServerProcess({ dataDir, k2vPort: await freePort(), adminPort: await freePort(), adminToken, extraArgs: ['--db-engine', 'postgres', '--postgres-url', postgresUrl] });
      procs.push(p);
      await p.waitHealthy(60_000);
    }
    const [pa, pb, pc] = procs as [ServerProcess, ServerProcess, ServerProcess];
    const tenant = await createTenant(pa.opts.adminPort, adminToken, `pg-poll-${randomBytes(4).toString('hex')}`);
    const [a, b, c] = procs.map((p) => new SignedClient({ url: p.k2vUrl, ...tenant, timeoutMs: 60_000 })) as [SignedClient, SignedClient, SignedClient];
    clients.push(a, b, c);
    // The new key reaches the other servers' metadata by NOTIFY a moment later.
    for (const [i, cl] of [b, c].entries()) {
      for (let tries = 0; ; tries++) {
        const res = await cl.request({ path: `/${tenant.bucket}/probe?sort_key=probe` });
        if (res.status === 404) break;
        assert.ok(tries < 400, `server ${i + 1} never let the new key read its bucket: ${res.status}`);
        await sleep(25);
      }
    }

    const item = `/${tenant.bucket}/${enc('poll-kill')}?sort_key=${enc('k')}`;
    assert.equal((await a.request({ method: 'PUT', path: item, body: 'v1' })).status, 204);
    const read = await a.request({ path: item });
    assert.equal(read.status, 200);
    const token = tokenOf(read);
    assert.ok(token !== undefined, 'a causality token');
    const poll = `${item}&causality_token=${encodeURIComponent(token)}&timeout=30`;
    const json = { accept: 'application/json' };

    const held = b.request({ path: poll, headers: json }).then(
      (res) => ({ res }),
      (err: unknown) => ({ err }),
    );
    await sleep(300);
    assert.equal(await pb.kill('SIGKILL'), 'SIGKILL');
    const outcome = await held;
    assert.ok('err' in outcome && outcome.err instanceof TransportError, `the poll on the killed server ends without an answer: ${JSON.stringify(outcome)}`);

    const repoll = c.request({ path: poll, headers: json });
    await sleep(300);
    assert.equal((await a.request({ method: 'PUT', path: item, body: 'v2', headers: { 'x-garage-causality-token': token } })).status, 204);
    const woken = await repoll;
    assert.equal(woken.status, 200, 'the re-poll on the third server answers the write');
    assert.deepEqual(JSON.parse(woken.body.toString('utf8')), [Buffer.from('v2').toString('base64')]);
    for (const p of [pa, pc]) assert.equal(p.exitCode(), undefined, 'the other servers carry on');
  },
);
