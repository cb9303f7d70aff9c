/**
 * `k2v snapshot`, `k2v dump`, `k2v restore` on the real binary (README "Backups"; issue 10
 * "Backups and moving data", issue 11's LMDB -> PostgreSQL move). The store under test follows
 * K2V_TEST_DB_ENGINE (db-engine.ts); the move test always runs LMDB -> PostgreSQL on a
 * throwaway cluster.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { startPgCluster, type PgCluster } from '../support/pg-cluster.js';
import { answers, cleanupAll, clientOf, del, k2v, put, startNode, tempDir, tenant, tokenOfItem, writeFixture, type Node } from './backup-support.js';
import { TEST_DB_ENGINE } from './db-engine.js';

let cluster: Promise<PgCluster> | undefined;
const pg = (): Promise<PgCluster> => (cluster ??= startPgCluster());

after(async () => {
  await cleanupAll();
  if (cluster !== undefined) await (await cluster).destroy();
});

/** A fresh store of the engine under test (or of `engine`). */
async function freshNode(engine: 'lmdb' | 'postgres' = TEST_DB_ENGINE): Promise<Node> {
  const dir = await tempDir('backup');
  return startNode(dir, engine === 'postgres' ? await (await pg()).createDatabase() : undefined);
}

async function dumpOf(node: Node, extra: string[] = []): Promise<Buffer> {
  const r = await k2v(node, ['dump', ...extra]);
  assert.equal(r.code, 0, `k2v dump: ${r.stderr}`);
  return r.stdout;
}

interface Summary {
  lines: number;
  items: number;
  itemsChanged: number;
  keysAdded: number;
  bucketsAdded: number;
  adminTokensAdded: number;
  adminTokensKept: number;
}

async function restoreInto(node: Node, dump: Buffer, extra: string[] = []): Promise<Summary> {
  const file = path.join(await tempDir('dump'), 'store.ndjson');
  await writeFile(file, dump);
  const r = await k2v(node, ['restore', file, '--json', ...extra]);
  assert.equal(r.code, 0, `k2v restore: ${r.stderr}`);
  return JSON.parse(r.text()) as Summary;
}

describe('k2v dump and k2v restore', () => {
  test('a whole-store dump restored into a fresh store gives the same answer to every read, with the same keys, buckets and permissions', async () => {
    const a = await freshNode();
    const t = await tenant(a, 'photos');
    const items = await writeFixture(clientOf(a, t), t.bucket);
    const other = await tenant(a, 'other');
    await put(clientOf(a, other), other.bucket, 'p', 's', 'in the other bucket');
    const before = await answers(clientOf(a, t), t.bucket, items);

    const dump = await dumpOf(a);
    const lines = dump.toString('utf8').trimEnd().split('\n');
    const header = JSON.parse(lines[0]!) as { format: string; version: number; scope: string };
    assert.deepEqual([header.format, header.version, header.scope], ['k2v-dump', 2, 'store']);
    assert.equal((JSON.parse(lines.at(-1)!) as { type: string }).type, 'end');

    const b = await freshNode();
    const summary = await restoreInto(b, dump);
    // `items` lists one never-written item; the other bucket holds one more.
    assert.equal(summary.items, items.length - 1 + 1, 'every stored item of both buckets');
    assert.equal(summary.keysAdded, 2);
    assert.equal(summary.bucketsAdded, 2);
    // The tenant's own key signs on the restored store: keys, buckets, aliases and permissions came along.
    assert.deepEqual(await answers(clientOf(b, t), t.bucket, items), before);
    assert.deepEqual(
      await answers(clientOf(b, other), other.bucket, [{ pk: 'p', sk: 's' }]),
      await answers(clientOf(a, other), other.bucket, [{ pk: 'p', sk: 's' }]),
    );

    // Restoring again changes nothing.
    const again = await restoreInto(b, dump);
    assert.deepEqual([again.itemsChanged, again.keysAdded, again.bucketsAdded], [0, 0, 0]);
    assert.deepEqual(await answers(clientOf(b, t), t.bucket, items), before);
  });

  test('a restore into a store that moved on keeps the newer values (merge by causality), and counters stay exact', async () => {
    const a = await freshNode();
    const t = await tenant(a, 'moving');
    const c = clientOf(a, t);
    const items = await writeFixture(c, t.bucket);
    const dump = await dumpOf(a);

    // The store moves on: an overwrite, a delete, a resolved conflict, a new item.
    await put(c, t.bucket, 'mail/alice', 'item-0', 'newer', await tokenOfItem(c, t.bucket, 'mail/alice', 'item-0'));
    await del(c, t.bucket, 'mail/bob', 'item-0', await tokenOfItem(c, t.bucket, 'mail/bob', 'item-0'));
    await put(c, t.bucket, 'log', 'item-1', 'resolved', await tokenOfItem(c, t.bucket, 'log', 'item-1'));
    await put(c, t.bucket, 'log', 'item-9', 'new');
    const all = [...items, { pk: 'log', sk: 'item-9' }];
    const moved = await answers(c, t.bucket, all);

    const summary = await restoreInto(a, dump);
    assert.equal(summary.itemsChanged, 0, 'everything in the dump is already known (or superseded)');
    assert.deepEqual(await answers(c, t.bucket, all), moved);

    // Into another store that moved on concurrently: the old values come back as siblings of the
    // new ones only where the writes were concurrent, never over a value that superseded them.
    const b = await freshNode();
    await restoreInto(b, dump);
    const cb = clientOf(b, t);
    await put(cb, t.bucket, 'mail/alice', 'item-5', 'b newer', await tokenOfItem(cb, t.bucket, 'mail/alice', 'item-5'));
    const bMoved = await answers(cb, t.bucket, items);
    await restoreInto(b, dump);
    assert.deepEqual(await answers(cb, t.bucket, items), bMoved);
  });

  test('a bucket dump restored into another bucket; a bad line answers 400 with its line number and commits nothing of its batch', async () => {
    const a = await freshNode();
    const t = await tenant(a, 'src');
    const items = await writeFixture(clientOf(a, t), t.bucket);
    const dump = await dumpOf(a, ['--bucket', t.bucket]);
    const header = JSON.parse(dump.toString('utf8').split('\n')[0]!) as { scope: string; bucket: string };
    assert.deepEqual([header.scope, header.bucket], ['bucket', t.bucketId]);
    assert.ok(!dump.toString('utf8').includes('"type":"key"'), 'a bucket dump holds no keys');

    const target = await tenant(a, 'copy');
    const ct = clientOf(a, target);
    const lines = dump.toString('utf8').split('\n');
    lines[5] = lines[5]!.replace('"state":[', '"state":[7,');
    const file = path.join(await tempDir('bad'), 'bad.ndjson');
    await writeFile(file, lines.join('\n'));
    const bad = await k2v(a, ['restore', file, '--bucket', target.bucket]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /dump line 6: field state\[\]: expected an object; nothing was restored/);
    assert.equal(((await ct.request({ path: `/${target.bucket}` })).body.toString('utf8').match(/"pk"/g) ?? []).length, 0);

    await restoreInto(a, dump, ['--bucket', target.bucket]);
    const src = JSON.stringify(await answers(clientOf(a, t), t.bucket, items)).replaceAll(`/${t.bucket}/`, '/B/');
    const copy = JSON.stringify(await answers(ct, target.bucket, items)).replaceAll(`/${target.bucket}/`, '/B/');
    assert.equal(copy, src);

    const truncated = path.join(await tempDir('cut'), 'cut.ndjson');
    await writeFile(truncated, dump.toString('utf8').trimEnd().split('\n').slice(0, -1).join('\n') + '\n');
    const cut = await k2v(a, ['restore', truncated, '--bucket', target.bucket]);
    assert.equal(cut.code, 1);
    assert.match(cut.stderr, /no end line/);

    const miscounted = path.join(await tempDir('count'), 'count.ndjson');
    await writeFile(miscounted, dump.toString('utf8').replace(/"items":(\d+)\}\n?$/, (_m, n: string) => `"items":${Number(n) + 1}}\n`));
    const count = await k2v(a, ['restore', miscounted, '--bucket', target.bucket]);
    assert.equal(count.code, 1);
    assert.match(count.stderr, /the end line counts 0 keys, 0 buckets, 0 admin tokens and \d+ items; the dump holds 0, 0, 0 and \d+/);
  });
});

describe('k2v restore in parts (--part-items)', () => {
  /** Every item (tombstones included) the bucket holds, as pk/sk. */
  async function stored(c: ReturnType<typeof clientOf>, bucket: string, pks: readonly string[]): Promise<string[]> {
    const res = await c.request({
      method: 'POST',
      path: `/${bucket}?search`,
      body: Buffer.from(JSON.stringify(pks.map((pk) => ({ partitionKey: pk, tombstones: true })))),
    });
    assert.equal(res.status, 200, res.body.toString('utf8'));
    return (JSON.parse(res.body.toString('utf8')) as { partitionKey: string; items: { sk: string }[] }[]).flatMap((r) => r.items.map((i) => `${r.partitionKey}/${i.sk}`));
  }

  test('a whole-store dump restored 4 items per request gives the same answers, one summary; restoring it again (other parts) changes nothing', async () => {
    const a = await freshNode();
    const t = await tenant(a, 'parts');
    const items = await writeFixture(clientOf(a, t), t.bucket);
    const before = await answers(clientOf(a, t), t.bucket, items);
    const dump = await dumpOf(a);
    const fileLines = dump.toString('utf8').trimEnd().split('\n').length;

    const b = await freshNode();
    const summary = await restoreInto(b, dump, ['--part-items', '4']);
    // 18 stored items (siblings and tombstones among them): 5 requests.
    assert.deepEqual(summary, { lines: fileLines, items: 18, itemsChanged: 18, keysAdded: 1, bucketsAdded: 1, adminTokensAdded: 0, adminTokensKept: 0 });
    assert.deepEqual(await answers(clientOf(b, t), t.bucket, items), before);

    const again = await restoreInto(b, dump, ['--part-items', '7']);
    assert.deepEqual(again, { lines: fileLines, items: 18, itemsChanged: 0, keysAdded: 0, bucketsAdded: 0, adminTokensAdded: 0, adminTokensKept: 0 });
    assert.deepEqual(await answers(clientOf(b, t), t.bucket, items), before);
    // The human summary is one line for the whole file.
    const file = path.join(await tempDir('parts'), 'store.ndjson');
    await writeFile(file, dump);
    const human = await k2v(b, ['restore', '--part-items', '5', file]);
    assert.equal(human.code, 0, human.stderr);
    assert.equal(human.text(), `Restored 18 items (0 changed), 0 keys, 0 buckets and 0 admin tokens added, from ${fileLines} lines.\n`);
  });

  test("a bad line in a later part is refused with the file's line number, nothing of its part's batch stored, the parts before it stored", async () => {
    const a = await freshNode();
    const t = await tenant(a, 'partsrc');
    await writeFixture(clientOf(a, t), t.bucket);
    const lines = (await dumpOf(a, ['--bucket', t.bucket])).toString('utf8').split('\n');
    const target = await tenant(a, 'partdst');
    const ct = clientOf(a, target);
    // Parts of 4 items: file lines 2-5, 6-9, 10-13, …; line 11 is in the third.
    lines[10] = lines[10]!.replace('"state":[', '"state":[7,');
    const file = path.join(await tempDir('partbad'), 'bad.ndjson');
    await writeFile(file, lines.join('\n'));
    const bad = await k2v(a, ['restore', file, '--bucket', target.bucket, '--part-items', '4']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /dump line 11: field state\[\]: expected an object; lines 1 to 9 were restored/);
    const key = (line: string): string => {
      const o = JSON.parse(line) as { pk: string; sk: string };
      return `${o.pk}/${o.sk}`;
    };
    const pks = ['log', 'mail/alice', 'mail/bob'];
    assert.deepEqual((await stored(ct, target.bucket, pks)).sort(), lines.slice(1, 9).map(key).sort());

    // Blank lines (skipped) keep their numbers: one before the header, one in the second part.
    const spaced = ['', ...lines.slice(0, 7), '', ...lines.slice(7)];
    const badAt = spaced.findIndex((l) => l.includes('"state":[7,')) + 1;
    const spacedFile = path.join(await tempDir('partblank'), 'blank.ndjson');
    await writeFile(spacedFile, spaced.join('\n'));
    const blank = await k2v(a, ['restore', spacedFile, '--bucket', target.bucket, '--part-items', '4']);
    assert.equal(blank.code, 1);
    assert.match(blank.stderr, new RegExp(`dump line ${badAt}: field state\\[\\]: expected an object; lines 1 to ${badAt - 2} were restored`));

    // A file cut short, restored in parts: the server finds no end line, at the file's line.
    const cut = path.join(await tempDir('partcut'), 'cut.ndjson');
    const good = (await dumpOf(a, ['--bucket', t.bucket])).toString('utf8').trimEnd().split('\n');
    await writeFile(cut, good.slice(0, -1).join('\n') + '\n');
    const r = await k2v(a, ['restore', cut, '--bucket', target.bucket, '--part-items', '4']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`dump line ${good.length}: the dump has no end line`));
    // The file's end line is checked against the whole file, not a part.
    const miscounted = path.join(await tempDir('partcount'), 'count.ndjson');
    await writeFile(miscounted, [...good.slice(0, -1), JSON.stringify({ type: 'end', keys: 0, buckets: 0, adminTokens: 0, items: 3 })].join('\n') + '\n');
    const count = await k2v(a, ['restore', miscounted, '--bucket', target.bucket, '--part-items', '4']);
    assert.equal(count.code, 1);
    assert.match(count.stderr, new RegExp(`dump line ${good.length}: the end line counts 0 keys, 0 buckets, 0 admin tokens and 3 items; the dump holds 0, 0, 0 and 18`));
    const notDump = path.join(await tempDir('partnot'), 'not.ndjson');
    await writeFile(notDump, '{"hello":1}\n');
    const nd = await k2v(a, ['restore', notDump, '--part-items', '4']);
    assert.equal(nd.code, 1);
    assert.match(nd.stderr, /dump line 1: not a k2v dump/);
    const zero = await k2v(a, ['restore', notDump, '--part-items', '0']);
    assert.equal(zero.code, 2);
  });
});

describe('admin tokens in whole-store dumps', () => {
  type Json = Record<string, unknown>;
  async function v2(node: Node, op: string, opts: { body?: unknown; query?: string; token?: string } = {}): Promise<{ status: number; json: Json }> {
    const get = op.startsWith('Get') || op.startsWith('List');
    const res = await fetch(`${node.sp.adminUrl}/v2/${op}${opts.query === undefined ? '' : `?${opts.query}`}`, {
      method: get ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${opts.token ?? node.token}`, ...(opts.body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(opts.body === undefined ? {} : { body: JSON.stringify(opts.body) }),
    });
    const text = await res.text();
    return { status: res.status, json: text === '' ? {} : (JSON.parse(text) as Json) };
  }

  test('carried as stored digests (no secret), restored by merge: added when unknown, the target\'s kept when it differs or deleted them; version 1 dumps still restore', async () => {
    const a = await freshNode();
    await tenant(a, 'tok');
    const reader = (await v2(a, 'CreateAdminToken', { body: { name: 'reader', scope: ['ListKeys'] } })).json;
    const ops = (await v2(a, 'CreateAdminToken', { body: { name: 'ops', scope: ['*'], expiration: '2999-01-01T00:00:00Z' } })).json;
    const readerSecret = String(reader['secretToken']);
    const opsSecret = String(ops['secretToken']);
    const dump = await dumpOf(a);
    const text = dump.toString('utf8');
    for (const secret of [readerSecret, opsSecret]) assert.ok(!text.includes(secret.split('.')[1]!), 'no token secret in a dump');
    assert.equal((text.match(/"type":"adminToken"/g) ?? []).length, 2);
    assert.match(text.trimEnd().split('\n').at(-1)!, /"adminTokens":2/);

    const b = await freshNode();
    const first = await restoreInto(b, dump);
    assert.deepEqual([first.adminTokensAdded, first.adminTokensKept], [2, 0]);
    // The restored digest lets the same bearer token in on b, with its scope and expiry.
    assert.equal((await v2(b, 'ListKeys', { token: readerSecret })).status, 200);
    assert.equal((await v2(b, 'ListBuckets', { token: readerSecret })).status, 403);
    const info = (await v2(b, 'GetAdminTokenInfo', { query: `id=${String(ops['id'])}` })).json;
    assert.equal(info['name'], 'ops');
    assert.equal(info['expiration'], '2999-01-01T00:00:00.000Z');

    // b moves on: ops revoked, reader renamed. A restore keeps b's state and says so.
    assert.equal((await v2(b, 'DeleteAdminToken', { query: `id=${String(ops['id'])}` })).status, 200);
    assert.equal((await v2(b, 'UpdateAdminToken', { query: `id=${String(reader['id'])}`, body: { name: 'renamed' } })).status, 200);
    const again = await restoreInto(b, dump);
    assert.deepEqual([again.adminTokensAdded, again.adminTokensKept, again.itemsChanged], [0, 2, 0]);
    assert.notEqual((await v2(b, 'ListKeys', { token: opsSecret })).status, 200, 'a revoked token stays revoked');
    assert.equal((await v2(b, 'GetAdminTokenInfo', { query: `id=${String(reader['id'])}` })).json['name'], 'renamed');

    // The same dump as version 1 wrote it (no admin tokens) is still read.
    const v1 = text
      .trimEnd()
      .split('\n')
      .filter((l) => !l.includes('"type":"adminToken"'))
      .map((l, i) => (i === 0 ? l.replace('"version":2', '"version":1') : l.startsWith('{"type":"end"') ? l.replace(/"adminTokens":\d+,/, '') : l));
    const c = await freshNode();
    const old = await restoreInto(c, Buffer.from(v1.join('\n') + '\n'), ['--part-items', '5']);
    assert.deepEqual([old.keysAdded, old.bucketsAdded, old.adminTokensAdded, old.items], [1, 1, 0, 0]);
  });
});

describe('moving LMDB -> PostgreSQL', () => {
  test('k2v dump from an LMDB server piped into k2v restore on a PostgreSQL server gives the same answers', async () => {
    const a = await freshNode('lmdb');
    const t = await tenant(a, 'move');
    const items = await writeFixture(clientOf(a, t), t.bucket);
    const before = await answers(clientOf(a, t), t.bucket, items);
    const b = await freshNode('postgres');
    // As docs/operations.md says: `k2v dump … | k2v restore - …` (the dump through stdin).
    const r = await k2v(b, ['restore', '-'], await dumpOf(a));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.text(), /^Restored \d+ items \(\d+ changed\), 1 keys, 1 buckets and 0 admin tokens added/);
    assert.deepEqual(await answers(clientOf(b, t), t.bucket, items), before);
  });
});

describe('k2v snapshot', () => {
  test('a snapshot taken while writes run starts a server that reads back every write acknowledged before it, under a new node id', { skip: TEST_DB_ENGINE !== 'lmdb' && 'LMDB only (PostgreSQL: see the next test)' }, async () => {
    const a = await freshNode('lmdb');
    const t = await tenant(a, 'snap');
    const c = clientOf(a, t);
    const acked: string[] = [];
    let stop = false;
    const writer = (async () => {
      for (let i = 0; !stop; i++) {
        await put(c, t.bucket, 'w', `k${String(i).padStart(6, '0')}`, `v${i}`);
        acked.push(`k${String(i).padStart(6, '0')}`);
      }
    })();
    while (acked.length < 50) await new Promise((r) => setTimeout(r, 10));
    const ackedBefore = acked.length;
    const dir = path.join(await tempDir('snapshot'), 'copy');
    const r = await k2v(a, ['snapshot', dir]);
    stop = true;
    await writer;
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.text(), /^Snapshot written to /);

    const b = await startNode(dir);
    const cb = clientOf(b, t);
    const batch = await cb.request({ method: 'POST', path: `/${t.bucket}?search`, body: Buffer.from(JSON.stringify([{ partitionKey: 'w' }])) });
    const got = (JSON.parse(batch.body.toString('utf8')) as { items: { sk: string }[] }[])[0]!.items.map((i) => i.sk);
    assert.ok(got.length >= ackedBefore, `${got.length} items, ${ackedBefore} acknowledged before the snapshot`);
    assert.deepEqual(got, acked.slice(0, got.length), 'a prefix of the acknowledged writes: one consistent state');
    const index = JSON.parse((await cb.request({ path: `/${t.bucket}` })).body.toString('utf8')) as { partitionKeys: { pk: string; entries: number }[] };
    assert.equal(index.partitionKeys.find((p) => p.pk === 'w')?.entries, got.length, 'counters agree with the items');

    await put(cb, t.bucket, 'w', 'after', 'written on the copy');
    const nodeOf = (n: Node): string | undefined =>
      n.sp.logs().map((l) => (JSON.parse(l.raw) as { msg?: string; nodeId?: string })).find((l) => l.msg === 'LMDB store open')?.nodeId;
    assert.notEqual(nodeOf(b), undefined);
    assert.notEqual(nodeOf(b), nodeOf(a), 'the copy is a new node of the causality tokens');

    const notEmpty = await k2v(a, ['snapshot', dir]);
    assert.equal(notEmpty.code, 1);
    assert.match(notEmpty.stderr, /is not empty/);
  });

  test('on PostgreSQL, snapshot answers 400 pointing to pg_dump and k2v dump', async () => {
    const b = await freshNode('postgres');
    const r = await k2v(b, ['snapshot', await tempDir('nosnap')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /pg_dump/);
    assert.match(r.stderr, /k2v dump/);
  });
});

