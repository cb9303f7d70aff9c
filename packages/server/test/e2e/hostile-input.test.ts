/**
 * Hostile input (issue 5, item 2): at least 10 000 malformed requests derived from valid signed
 * ones (test/support-hostile/), sent over raw sockets to a real server. For every one: never a
 * 5xx, never a crash, every error a contract JSON error with the status and code its mutation
 * allows (no mutation allows a 2xx); afterwards the store is identical (client-visible dump and
 * raw records: LMDB's bytes, or PostgreSQL's rows) and the server logged no error. Runs on both
 * engines (K2V_TEST_DB_ENGINE).
 *
 * HOSTILE_SEED=<n> replays a run, HOSTILE_COUNT=<n> changes its size.
 * */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { judge } from '../support-hostile/contract.js';
import { httpDump, storeDump, type RawDump } from '../support-hostile/dump.js';
import { setUpFixture, WRITES, type Ctx } from '../support-hostile/fixture.js';
import { drawCase, MUTATIONS } from '../support-hostile/generate.js';
import { Rng } from '../support-hostile/prng.js';
import { exchange, serialize, type RawRequest, type RawResponse } from '../support-hostile/raw-http.js';
import { startHostileServer, type HostileServer } from '../support-hostile/server.js';
import { sign } from '../support-hostile/sign.js';

const COUNT = Number(process.env['HOSTILE_COUNT'] ?? 12_000);
const SEED = Number(process.env['HOSTILE_SEED'] ?? 0x5eed_2025);
const CONCURRENCY = 24;
const BUCKET = 'hostile-bkt';

let hs: HostileServer;
let ctx: Ctx;
let visibleBefore: string;
let rawBefore: RawDump;

before(async () => {
  hs = await startHostileServer();
  const creds = await hs.newKey();
  await hs.newBucket(BUCKET, [[creds, { read: true, write: true, owner: true }]]);
  ctx = await setUpFixture(hs, creds, BUCKET);
  visibleBefore = await httpDump(hs, creds, BUCKET, ctx.pks);
  rawBefore = await storeDump(hs);
});

after(async () => {
  await hs?.stop();
});

interface Tally {
  sent: number;
  /** Valid reads sent after a hostile request on the same connection, and how many were answered. */
  followUps: number;
  followUpsAnswered: number;
  byCategory: Map<string, number>;
  byStatus: Map<string, number>;
  failures: string[];
}

async function run(count: number, seed: number): Promise<Tally> {
  const rng = new Rng(seed);
  const tally: Tally = { sent: 0, followUps: 0, followUpsAnswered: 0, byCategory: new Map(), byStatus: new Map(), failures: [] };
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      // Drawn in order from one generator: the same seed gives the same cases.
      const c = drawCase(rng, ctx);
      // Some cases are followed, on the same connection, by a valid read: if the server answers
      // it, the answer must be the right one (no desynchronisation by an unread or odd body).
      const followUp = rng.bool(0.3) && c.req.raw === undefined && c.req.method !== 'HEAD' && (c.req.ending ?? 'wait') === 'wait';
      const req = followUp ? withFollowUp(c.req) : c.req;
      const ex = await exchange(hs.k2v(), req, 30_000).catch((err: Error) => err);
      tally.sent++;
      tally.byCategory.set(c.category, (tally.byCategory.get(c.category) ?? 0) + 1);
      if (ex instanceof Error) {
        tally.failures.push(`#${i} ${c.category} on ${c.endpoint}: ${ex.message}`);
        continue;
      }
      const key = ex.responses.map((r) => r.status).join('+') || 'none';
      tally.byStatus.set(key, (tally.byStatus.get(key) ?? 0) + 1);
      const first = followUp ? { ...ex, responses: ex.responses.slice(0, 1), trailing: ex.responses.length > 1 ? Buffer.alloc(0) : ex.trailing } : ex;
      const problems = judge(first, c.expect, { path: c.path, region: hs.config.region, head: c.req.method === 'HEAD' });
      if (followUp) {
        tally.followUps++;
        if (ex.responses.length > 1) tally.followUpsAnswered++;
        problems.push(...followUpProblems(ex.responses.slice(1)));
      }
      if (WRITES.has(c.endpoint) && first.responses.some((r) => r.status < 300)) problems.push('a write mutation was accepted');
      if (problems.length > 0 && tally.failures.length < 30) {
        const what = `${c.req.method} ${c.req.target.slice(0, 160)}${c.req.target.length > 160 ? '…' : ''}`;
        tally.failures.push(`#${i} ${c.category} on ${c.endpoint} (${what}): ${problems.join('; ')}`);
      } else if (problems.length > 0) {
        tally.failures.push(`#${i} ${c.category}`);
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return tally;
}

const ALPHA = JSON.stringify([Buffer.from('alpha').toString('base64')]);

/** The hostile request kept alive, then a valid read of fx/a that closes the connection. */
function withFollowUp(req: RawRequest): RawRequest {
  const read = sign(hs.host, { method: 'GET', target: `/${BUCKET}/fx?sort_key=a` }, { creds: ctx.creds, region: hs.config.region });
  const keepAlive = { ...req, headers: req.headers.filter(([k]) => k !== 'connection') };
  return { method: req.method, target: req.target, headers: [], raw: Buffer.concat([serialize(keepAlive), serialize(read)]) };
}

function followUpProblems(rest: RawResponse[]): string[] {
  if (rest.length === 0) return []; // the server closed after the hostile request: fine
  const r = rest[0]!;
  if (rest.length > 1 || r.status !== 200 || r.body.toString('utf8') !== ALPHA) {
    return [`follow-up read answered ${rest.map((x) => `${x.status} ${x.body.toString('utf8').slice(0, 120)}`).join(' | ')}`];
  }
  return [];
}

describe(`hostile input: ${COUNT} malformed requests (seed ${SEED})`, () => {
  it('every one gets a contract 4xx (never a 5xx, never accepted), and the server keeps serving', async (t) => {
    const started = Date.now();
    const tally = await run(COUNT, SEED);
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    t.diagnostic(`sent ${tally.sent} hostile requests in ${seconds} s (seed ${SEED})`);
    t.diagnostic(`  ${tally.followUps} followed by a valid read on the same connection, ${tally.followUpsAnswered} of those answered correctly`);
    for (const [status, n] of [...tally.byStatus].sort((a, b) => b[1] - a[1])) t.diagnostic(`  status ${status}: ${n}`);
    for (const m of MUTATIONS) t.diagnostic(`  ${tally.byCategory.get(m.name) ?? 0} x ${m.name}`);
    assert.deepEqual(tally.failures, [], `${tally.failures.length} unexpected answers (replay with HOSTILE_SEED=${SEED})`);
    assert.ok(tally.sent >= Math.min(COUNT, 10_000), `only ${tally.sent} requests sent`);
    const categories = new Set(tally.byCategory.keys());
    const unused = MUTATIONS.filter((m) => m.weight >= 0.5 && !categories.has(m.name)).map((m) => m.name);
    if (COUNT >= 10_000) assert.deepEqual(unused, [], 'every mutation was drawn');
  });

  it('a valid request still succeeds', async () => {
    const req = sign(hs.host, { method: 'GET', target: `/${BUCKET}/fx?sort_key=a` }, { creds: ctx.creds, region: hs.config.region });
    const res = (await exchange(hs.k2v(), req)).responses[0];
    assert.equal(res?.status, 200, res?.body.toString());
    assert.deepEqual(JSON.parse(res!.body.toString()), [Buffer.from('alpha').toString('base64')]);
  });

  it('the server logged no error', () => {
    const errors = hs.logs.filter((l) => l.level >= 50);
    assert.deepEqual(errors, []);
  });

  it('what a client can read is unchanged (ReadIndex + ReadBatch of every partition, tombstones included)', async () => {
    assert.equal(await httpDump(hs, ctx.creds, BUCKET, ctx.pks), visibleBefore);
  });

  it('the raw store records are identical (LMDB: read after stopping the server; PostgreSQL: every row of its tables)', async () => {
    const rawAfter = await storeDump(hs);
    assert.ok(rawBefore.counts['k2v']! > 0 && rawBefore.counts['meta']! > 0, 'the dump reads something');
    assert.deepEqual(rawAfter, rawBefore);
  });
});

describe('protocol edge cases node would answer on its own', () => {
  const send = async (req: RawRequest) => exchange(hs.k2v(), req);

  it('a valid write followed by pipelined garbage gets its own answer, then the connection closes', async () => {
    const put = sign(hs.host, { method: 'PUT', target: `/${BUCKET}/pipeline?sort_key=a`, body: Buffer.from('v') }, { creds: ctx.creds, region: hs.config.region });
    const keepAlive = { ...put, headers: put.headers.filter(([k]) => k !== 'connection') };
    const ex = await send({ method: '', target: '', headers: [], raw: Buffer.concat([serialize(keepAlive), Buffer.from('@@ not http\r\n\r\n')]) });
    assert.equal(ex.responses[0]?.status, 204, 'the write is answered, not the garbage after it');
    assert.ok(ex.responses.length <= 2);
    const read = sign(hs.host, { method: 'GET', target: `/${BUCKET}/pipeline?sort_key=a` }, { creds: ctx.creds, region: hs.config.region });
    assert.deepEqual(JSON.parse((await send(read)).responses[0]!.body.toString()), [Buffer.from('v').toString('base64')]);
  });

  it('CONNECT -> 400 InvalidRequest JSON (node would drop the connection)', async () => {
    const ex = await send({ method: 'CONNECT', target: `/${BUCKET}/fx`, headers: [['host', hs.host]] });
    assert.deepEqual(judge(ex, { statuses: [400], codes: ['InvalidRequest'] }, { path: `/${BUCKET}/fx`, region: hs.config.region }), []);
  });

  it('no Host header -> the contract 403 JSON (node would answer a bare 400)', async () => {
    const ex = await send({ method: 'GET', target: `/${BUCKET}/fx?sort_key=a`, headers: [['connection', 'close']] });
    assert.deepEqual(judge(ex, { statuses: [403], codes: ['AccessDenied'] }, { path: `/${BUCKET}/fx`, region: hs.config.region }), []);
  });

  it('an unknown Expect is ignored, as Garage does (node would answer a bare 417)', async () => {
    const req = sign(hs.host, { method: 'GET', target: `/${BUCKET}/fx?sort_key=a` }, { creds: ctx.creds, region: hs.config.region });
    const res = (await send({ ...req, headers: [...req.headers, ['expect', 'teapot']] })).responses[0];
    assert.equal(res?.status, 200, res?.body.toString());
  });
});
