/**
 * PollRange end to end (contract section 10): the first call lists the range (tombstones
 * included, UTF-8 order) with a seen marker; later calls wait for changes in the range only; bad
 * markers and bodies are 400; a change racing the poll's set-up is never missed.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  deleteItem,
  enc,
  insertBatch,
  putItem,
  readItem,
  unb64,
  uniquePk,
  b64,
  useTestServer,
  type TestResponse,
} from './harness.js';
import { assertError, compareUtf8, eventually, openWaiters, sleep, within } from './support-http.js';

const ts = useTestServer();

interface PollItem {
  sk: string;
  ct: string;
  v: (string | null)[];
}

interface PollResult {
  items: PollItem[];
  seenMarker: string;
}

interface PollOpts {
  method?: 'POST' | 'SEARCH';
  /** The query as sent; default `poll_range` (bare keyword). */
  query?: string;
  signal?: AbortSignal;
}

function pollRangeRaw(pk: string, body: string | undefined, opts: PollOpts = {}): Promise<TestResponse> {
  return ts.request({
    method: opts.method ?? 'POST',
    path: `/${ts.bucket}/${enc(pk)}?${opts.query ?? 'poll_range'}`,
    body,
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
}

function pollRange(pk: string, body: Record<string, unknown>, opts: PollOpts = {}): Promise<TestResponse> {
  return pollRangeRaw(pk, JSON.stringify(body), opts);
}

/** A 200 PollRange answer, with its shape checked. */
function result(res: TestResponse): PollResult {
  assert.equal(res.status, 200, `PollRange: ${res.status} ${res.text()}`);
  assert.equal(res.headers['content-type'], 'application/json');
  const r = res.json<PollResult>();
  assert.deepEqual(Object.keys(r), ['items', 'seenMarker']);
  assert.equal(typeof r.seenMarker, 'string');
  assert.ok(r.seenMarker.length > 0);
  for (const it of r.items) assert.deepEqual(Object.keys(it), ['sk', 'ct', 'v']);
  return r;
}

function sks(r: PollResult): string[] {
  return r.items.map((i) => i.sk);
}

function assert304(res: TestResponse, what: string): void {
  assert.equal(res.status, 304, `${what}: ${res.status} ${res.text()}`);
  assert.equal(res.body.length, 0);
  assert.equal(res.headers['x-garage-causality-token'], undefined);
}

/** Waits until the server holds at least `n` open waiters (so a write cannot overtake the poll). */
async function waitersReach(n: number): Promise<void> {
  return eventually(async () => (await openWaiters(ts.server)) >= n, 10_000, 'poll registered');
}

describe('PollRange without a seen marker', () => {
  test('returns every item of the partition, tombstones included, in UTF-8 order, with a marker', async () => {
    const pk = uniquePk('pr-first');
    // U+FFFD sorts before U+1F600 in UTF-8 but after it in UTF-16: a JS default sort gets it wrong.
    const keys = ['b', 'a', 'é', '\u{1F600}', '\uFFFD', 'a/b c', 'dead'];
    for (const k of keys) await putItem(ts, pk, k, `value of ${k}`);
    await putItem(ts, pk, 'a', 'concurrent'); // no token: a second value
    const dead = await readItem(ts, pk, 'dead');
    assert.ok(dead);
    await deleteItem(ts, pk, 'dead', dead.ct);
    await putItem(ts, uniquePk('pr-first-other'), 'a', 'other partition');

    const r = result(await pollRange(pk, {}));
    const expected = [...keys].sort(compareUtf8);
    assert.deepEqual(sks(r), expected);
    for (const it of r.items) {
      const read = await readItem(ts, pk, it.sk);
      assert.ok(read, it.sk);
      assert.equal(it.ct, read.ct, `ct of ${it.sk}`);
      assert.deepEqual(
        it.v.map((v) => (v === null ? null : unb64(v))),
        read.values,
        `values of ${it.sk}`,
      );
    }
    assert.deepEqual(r.items.find((i) => i.sk === 'dead')?.v, [null]);
    assert.equal(r.items.find((i) => i.sk === 'a')?.v.length, 2);
  });

  test('an empty partition gives 200 with no items and a marker', async () => {
    const r = result(await pollRange(uniquePk('pr-empty'), {}));
    assert.deepEqual(r.items, []);
  });

  test('seenMarker: null and explicit nulls count as absent', async () => {
    const pk = uniquePk('pr-nulls');
    await putItem(ts, pk, 'x', '1');
    const r = result(await pollRange(pk, { prefix: null, start: null, end: null, timeout: null, seenMarker: null }));
    assert.deepEqual(sks(r), ['x']);
  });

  test('prefix without start is honoured on the first call (contract deviation, bug fix)', async () => {
    const pk = uniquePk('pr-prefix');
    for (const k of ['a1', 'b1', 'b2', 'c1']) await putItem(ts, pk, k, k);
    assert.deepEqual(sks(result(await pollRange(pk, { prefix: 'b' }))), ['b1', 'b2']);
    assert.deepEqual(sks(result(await pollRange(pk, { prefix: 'c' }))), ['c1']);
    assert.deepEqual(sks(result(await pollRange(pk, { prefix: 'z' }))), []);
  });

  test('start is inclusive and end exclusive', async () => {
    const pk = uniquePk('pr-start-end');
    for (const k of ['a', 'b', 'c', 'd']) await putItem(ts, pk, k, k);
    assert.deepEqual(sks(result(await pollRange(pk, { start: 'b', end: 'd' }))), ['b', 'c']);
    assert.deepEqual(sks(result(await pollRange(pk, { start: 'b' }))), ['b', 'c', 'd']);
    assert.deepEqual(sks(result(await pollRange(pk, { end: 'b' }))), ['a']);
  });

  test('POST ?poll_range, POST ?poll_range= (Rust client) and SEARCH forms', async () => {
    const pk = uniquePk('pr-forms');
    await putItem(ts, pk, 'k', 'v');
    for (const opts of [{}, { query: 'poll_range=' }, { method: 'SEARCH' as const }, { method: 'SEARCH' as const, query: 'poll_range=' }]) {
      const r = result(await pollRange(pk, {}, opts));
      assert.deepEqual(sks(r), ['k'], JSON.stringify(opts));
      assert.deepEqual(r.items[0]?.v, [b64('v')]);
    }
  });
});

describe('PollRange with a seen marker', () => {
  test('waits; a write in range wakes it with only the changed item and a new marker', async () => {
    const pk = uniquePk('pr-wake');
    await putItem(ts, pk, 'test1', 'Initial value');
    await putItem(ts, pk, 'test2', 'untouched');
    const initial = await readItem(ts, pk, 'test1');
    assert.ok(initial);
    const first = result(await pollRange(pk, {}));

    const base = await openWaiters(ts.server);
    const pending = pollRange(pk, { seenMarker: first.seenMarker, timeout: 30 });
    await waitersReach(base + 1);
    await putItem(ts, pk, 'test1', 'New value', initial.ct);
    const woken = result(await within(pending, 15_000, 'woken PollRange'));
    assert.deepEqual(sks(woken), ['test1']);
    assert.deepEqual(woken.items[0]?.v, [b64('New value')]);
    const now = await readItem(ts, pk, 'test1');
    assert.equal(woken.items[0]?.ct, now?.ct);
    assert.notEqual(woken.seenMarker, first.seenMarker);

    // The new marker covers that change: nothing left to report.
    assert304(await within(pollRange(pk, { seenMarker: woken.seenMarker, timeout: 1 }), 10_000, 'poll'), 'after wake');

    // A write on a different key of the range wakes it with that key only.
    const pending2 = pollRange(pk, { seenMarker: woken.seenMarker, timeout: 30 });
    await waitersReach(base + 1);
    await putItem(ts, pk, 'test3', 'Other value');
    const woken2 = result(await within(pending2, 15_000, 'second woken PollRange'));
    assert.deepEqual(sks(woken2), ['test3']);
    assert.deepEqual(woken2.items[0]?.v, [b64('Other value')]);
  });

  test('nothing changed -> 304 after timeout, empty body', async () => {
    const pk = uniquePk('pr-304');
    await putItem(ts, pk, 'k', 'v');
    const first = result(await pollRange(pk, {}));
    assert304(await within(pollRange(pk, { seenMarker: first.seenMarker, timeout: 1 }), 10_000, 'poll'), 'idle range');
    // The SEARCH form waits the same way.
    assert304(
      await within(pollRange(pk, { seenMarker: first.seenMarker, timeout: 1 }, { method: 'SEARCH' }), 10_000, 'poll'),
      'idle range (SEARCH)',
    );
  });

  test('a marker of an empty partition wakes on the first write', async () => {
    const pk = uniquePk('pr-empty-wake');
    const first = result(await pollRange(pk, {}));
    const base = await openWaiters(ts.server);
    const pending = pollRange(pk, { seenMarker: first.seenMarker, timeout: 30 });
    await waitersReach(base + 1);
    await putItem(ts, pk, 'new', 'hello');
    assert.deepEqual(sks(result(await within(pending, 15_000, 'woken poll'))), ['new']);
  });

  test('a delete in range wakes it with the tombstone', async () => {
    const pk = uniquePk('pr-delete');
    await putItem(ts, pk, 'k', 'v');
    const cur = await readItem(ts, pk, 'k');
    assert.ok(cur);
    const first = result(await pollRange(pk, {}));
    const base = await openWaiters(ts.server);
    const pending = pollRange(pk, { seenMarker: first.seenMarker, timeout: 30 });
    await waitersReach(base + 1);
    await deleteItem(ts, pk, 'k', cur.ct);
    const woken = result(await within(pending, 15_000, 'woken poll'));
    assert.deepEqual(woken.items, [{ sk: 'k', ct: (await readItem(ts, pk, 'k'))?.ct, v: [null] }]);
  });

  test('a batch of writes in range is reported (each changed item once, no unchanged item)', async () => {
    const pk = uniquePk('pr-batch');
    await putItem(ts, pk, 'keep', 'same');
    let marker = result(await pollRange(pk, {})).seenMarker;
    await insertBatch(ts, [
      { pk, sk: 'n1', v: b64('1') },
      { pk, sk: 'n2', v: b64('2') },
      { pk, sk: 'n3', v: null },
      { pk: uniquePk('pr-batch-other'), sk: 'n4', v: b64('4') },
    ]);
    const seen: string[] = [];
    while (seen.length < 3) {
      const r = result(await within(pollRange(pk, { seenMarker: marker, timeout: 5 }), 15_000, 'poll'));
      seen.push(...sks(r));
      marker = r.seenMarker;
    }
    assert.deepEqual(seen.sort(compareUtf8), ['n1', 'n2', 'n3']);
    assert304(await within(pollRange(pk, { seenMarker: marker, timeout: 1 }), 10_000, 'poll'), 'after batch');
  });

  test('a held poll reads only what changed: its answer is the one a fresh poll with its marker gives', async () => {
    const pk = uniquePk('pr-held');
    await insertBatch(ts, Array.from({ length: 50 }, (_, i) => ({ pk, sk: `old${String(i).padStart(2, '0')}`, v: b64('x') })));
    const first = result(await pollRange(pk, {}));
    assert.equal(first.items.length, 50);
    const held = pollRange(pk, { seenMarker: first.seenMarker, timeout: 20 });
    await waitersReach(1);
    // One commit: in range, UTF-16 order differs from UTF-8 order (U+10000 sorts after U+FFFF in UTF-8).
    await insertBatch(ts, [
      { pk, sk: '\u{10000}', v: b64('a') },
      { pk, sk: '\uffff', v: b64('b') },
      { pk, sk: 'old07', v: b64('c') },
      { pk: uniquePk('pr-held-other'), sk: 'zz', v: b64('d') },
    ]);
    const woken = result(await within(held, 15_000, 'held poll'));
    const fresh = result(await pollRange(pk, { seenMarker: first.seenMarker, timeout: 1 }));
    assert.deepEqual(sks(woken), ['old07', '\uffff', '\u{10000}']);
    assert.deepEqual(woken.items, fresh.items);
    assert304(await within(pollRange(pk, { seenMarker: woken.seenMarker, timeout: 1 }), 10_000, 'poll'), 'after the held poll');
  });

  test('writes outside a prefix range (other prefix, other partition) do not wake it', async () => {
    const pk = uniquePk('pr-outside-prefix');
    for (const k of ['a1', 'b1']) await putItem(ts, pk, k, 'x');
    const byPrefix = result(await pollRange(pk, { prefix: 'a' }));
    assert.deepEqual(sks(byPrefix), ['a1']);

    await putItem(ts, pk, 'b2', 'after the prefix');
    await putItem(ts, pk, 'b1', 'after the prefix, updated');
    await putItem(ts, pk, '`', 'before the prefix');
    await putItem(ts, `${pk}-x`, 'a1', 'other partition');
    await putItem(ts, `${pk}-x`, 'a9', 'other partition');
    assert304(await within(pollRange(pk, { prefix: 'a', seenMarker: byPrefix.seenMarker, timeout: 1 }), 10_000, 'p'), 'prefix');

    await putItem(ts, pk, 'a2', 'inside');
    const woken = result(await within(pollRange(pk, { prefix: 'a', seenMarker: byPrefix.seenMarker, timeout: 5 }), 10_000, 'p'));
    assert.deepEqual(sks(woken), ['a2']);
  });

  test('writes outside start/end (before start, at or beyond end) do not wake it', async () => {
    const pk = uniquePk('pr-outside-bounds');
    for (const k of ['c1', 'm', 'z']) await putItem(ts, pk, k, 'x');
    const byBounds = result(await pollRange(pk, { start: 'c', end: 'm' }));
    assert.deepEqual(sks(byBounds), ['c1']);

    // Writes committed before the poll...
    await putItem(ts, pk, 'b9', 'before start');
    await putItem(ts, pk, 'm', 'at end (exclusive)');
    await putItem(ts, pk, 'zz', 'beyond end');
    assert304(await within(pollRange(pk, { start: 'c', end: 'm', seenMarker: byBounds.seenMarker, timeout: 1 }), 10_000, 'p'), 'before');

    // ...and while it waits.
    const waiting = pollRange(pk, { start: 'c', end: 'm', seenMarker: byBounds.seenMarker, timeout: 2 });
    await sleep(200);
    await putItem(ts, pk, 'n', 'beyond end');
    await putItem(ts, pk, 'm', 'at end again');
    await putItem(ts, pk, 'a', 'before start');
    assert304(await within(waiting, 10_000, 'poll'), 'during');

    // The range is still live: a write inside it wakes the same marker.
    await putItem(ts, pk, 'c', 'at start (inclusive)');
    const woken = result(await within(pollRange(pk, { start: 'c', end: 'm', seenMarker: byBounds.seenMarker, timeout: 5 }), 10_000, 'p'));
    assert.deepEqual(sks(woken), ['c']);
  });

  test('a marker can be reused, for the same range or a sub-range', async () => {
    const pk = uniquePk('pr-reuse');
    for (const k of ['a1', 'a2', 'b1']) await putItem(ts, pk, k, 'v');
    const whole = result(await pollRange(pk, {}));

    // Sub-range, nothing changed.
    assert304(await within(pollRange(pk, { prefix: 'a', seenMarker: whole.seenMarker, timeout: 1 }), 10_000, 'p'), 'sub-range');

    await putItem(ts, pk, 'b2', 'outside the sub-range');
    await putItem(ts, pk, 'a3', 'inside the sub-range');
    const sub = result(await within(pollRange(pk, { prefix: 'a', seenMarker: whole.seenMarker, timeout: 5 }), 10_000, 'p'));
    assert.deepEqual(sks(sub), ['a3']);
    // The same marker again, same answer (a marker is a value, not a cursor).
    const again = result(await within(pollRange(pk, { prefix: 'a', seenMarker: whole.seenMarker, timeout: 5 }), 10_000, 'p'));
    assert.deepEqual(sks(again), ['a3']);
    // Whole range with the old marker sees both changes.
    const all = result(await within(pollRange(pk, { seenMarker: whole.seenMarker, timeout: 5 }), 10_000, 'p'));
    assert.deepEqual(sks(all), ['a3', 'b2']);
    // The sub-range marker, reused on a narrower range, reports nothing new there.
    assert304(await within(pollRange(pk, { start: 'a1', end: 'a3', seenMarker: sub.seenMarker, timeout: 1 }), 10_000, 'p'), 'narrower');
  });

  test('a change committed while the poll is being set up is never missed', async () => {
    const pk = uniquePk('pr-race');
    let marker = result(await pollRange(pk, { prefix: 'r' })).seenMarker;
    for (let i = 0; i < 40; i++) {
      const sk = `r${String(i).padStart(3, '0')}`;
      const delay = i % 4; // vary which side reaches the server first
      const write = sleep(delay).then(() => putItem(ts, pk, sk, `v${i}`));
      const poll = sleep(3 - delay).then(() => pollRange(pk, { prefix: 'r', seenMarker: marker, timeout: 5 }));
      const [, res] = await within(Promise.all([write, poll]), 20_000, `iteration ${i}`);
      assert.notEqual(res.status, 304, `iteration ${i}: the write of ${sk} was missed (304)`);
      const r = result(res);
      assert.deepEqual(sks(r), [sk], `iteration ${i}`);
      marker = r.seenMarker;
    }
  });
});

describe('PollRange bad input', () => {
  test('bad seen marker -> 400 InvalidRequest', async () => {
    const pk = uniquePk('pr-bad-marker');
    await putItem(ts, pk, 'k', 'v');
    const good = result(await pollRange(pk, {})).seenMarker;
    const bad: unknown[] = ['garbage!!', 'AAAA', '@@@@', good.slice(0, Math.max(1, good.length - 3)) + '!', 12, true, ['x'], {}];
    for (const marker of bad) {
      const res = await within(pollRange(pk, { seenMarker: marker, timeout: 1 }), 10_000, 'poll');
      assertError(res, 400, 'InvalidRequest', `marker ${JSON.stringify(marker)}`);
    }
  });

  test('empty body -> 400', async () => {
    const pk = uniquePk('pr-empty-body');
    assertError(await pollRangeRaw(pk, undefined), 400, 'InvalidRequest', 'no body');
    assertError(await pollRangeRaw(pk, ''), 400, 'InvalidRequest', 'empty body');
  });

  test('a body that is not a JSON object -> 400', async () => {
    const pk = uniquePk('pr-not-object');
    for (const body of ['[]', '"x"', '1', 'null', 'true', '{', '{"prefix": 1}', '{"timeout": -1}', '{"timeout": "5"}']) {
      assertError(await within(pollRangeRaw(pk, body), 10_000, body), 400, 'InvalidRequest', `body ${body}`);
    }
  });

  test('start not beginning with prefix -> 400', async () => {
    const res = await pollRange(uniquePk('pr-bad-range'), { prefix: 'a', start: 'b' });
    assertError(res, 400, 'InvalidRequest', 'prefix a start b');
  });
});
