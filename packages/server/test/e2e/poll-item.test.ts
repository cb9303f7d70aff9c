/**
 * PollItem end to end (contract section 6): answers at once when the token is outdated, wakes on a
 * write, 304 on timeout with an empty body and no token, 400 InvalidRequest on a bad token, and an
 * abandoned poll frees its waiter.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  b64,
  ct,
  ctOrUndefined,
  deleteItem,
  enc,
  putItem,
  readItem,
  uniquePk,
  useTestServer,
  type TestResponse,
} from './harness.js';
import { assertError, eventually, openWaiters, sleep, within } from './support-http.js';

const EMPTY_TOKEN = 'AAAAAAAAAAA';

const ts = useTestServer();

function pollPath(pk: string, sk: string, token: string, timeout?: number | string): string {
  const t = timeout === undefined ? '' : `&timeout=${timeout}`;
  return `/${ts.bucket}/${enc(pk)}?sort_key=${enc(sk)}&causality_token=${token}${t}`;
}

function poll(
  pk: string,
  sk: string,
  token: string,
  opts: { timeout?: number | string; accept?: string; signal?: AbortSignal } = {},
): Promise<TestResponse> {
  return ts.request({
    path: pollPath(pk, sk, token, opts.timeout),
    headers: opts.accept === undefined ? {} : { accept: opts.accept },
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
}

/** Waits until the server holds at least `n` open waiters (so a write cannot overtake the poll). */
async function waitersReach(n: number, what: string): Promise<void> {
  await eventually(async () => (await openWaiters(ts.server)) >= n, 10_000, what);
}

describe('PollItem', () => {
  test('answers at once when the token is already outdated', async () => {
    const pk = uniquePk('poll-outdated');
    await putItem(ts, pk, 'k', 'v1');
    const first = await readItem(ts, pk, 'k');
    assert.ok(first);
    await putItem(ts, pk, 'k', 'v2', first.ct);
    const current = await readItem(ts, pk, 'k');
    assert.ok(current);

    // A generous guard: with timeout=30 an implementation that waits would blow it.
    const res = await within(poll(pk, 'k', first.ct, { timeout: 30 }), 10_000, 'outdated poll');
    assert.equal(res.status, 200, res.text());
    assert.equal(res.headers['content-type'], 'application/json');
    assert.deepEqual(res.json(), [b64('v2')]);
    assert.equal(ct(res), current.ct);
  });

  test('the empty token is outdated by any existing item', async () => {
    const pk = uniquePk('poll-empty-token');
    await putItem(ts, pk, 'k', 'hello');
    const res = await within(poll(pk, 'k', EMPTY_TOKEN, { timeout: 30, accept: 'application/octet-stream' }), 10_000, 'poll');
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'application/octet-stream');
    assert.equal(res.text(), 'hello');
  });

  test('wakes after a write with the new value and token', async () => {
    const pk = uniquePk('poll-wake');
    await putItem(ts, pk, 'k', 'Initial value');
    const initial = await readItem(ts, pk, 'k');
    assert.ok(initial);

    const base = await openWaiters(ts.server);
    const pending = poll(pk, 'k', initial.ct, { timeout: 30, accept: 'application/octet-stream' });
    await waitersReach(base + 1, 'poll registered');
    await putItem(ts, pk, 'k', 'New value', initial.ct);

    const res = await within(pending, 15_000, 'woken poll');
    assert.equal(res.status, 200, res.text());
    assert.equal(res.headers['content-type'], 'application/octet-stream');
    assert.equal(res.text(), 'New value');
    const now = await readItem(ts, pk, 'k');
    assert.ok(now);
    assert.deepEqual(now.values, ['New value']);
    assert.equal(ct(res), now.ct);
  });

  test('a delete wakes the poll with the tombstone (204 binary, [null] JSON)', async () => {
    const pk = uniquePk('poll-delete');
    await putItem(ts, pk, 'k', 'doomed');
    const initial = await readItem(ts, pk, 'k');
    assert.ok(initial);

    const base = await openWaiters(ts.server);
    const binary = poll(pk, 'k', initial.ct, { timeout: 30, accept: 'application/octet-stream' });
    const json = poll(pk, 'k', initial.ct, { timeout: 30 });
    await waitersReach(base + 2, 'polls registered');
    await deleteItem(ts, pk, 'k', initial.ct);

    const [b, j] = await within(Promise.all([binary, json]), 15_000, 'woken polls');
    assert.equal(b.status, 204);
    assert.equal(b.headers['content-type'], 'application/octet-stream');
    assert.equal(b.body.length, 0);
    assert.equal(j.status, 200);
    assert.deepEqual(j.json(), [null]);
    assert.equal(ct(b), ct(j));
  });

  test('one write wakes every poll waiting on the item', async () => {
    const pk = uniquePk('poll-many');
    await putItem(ts, pk, 'k', 'a');
    const initial = await readItem(ts, pk, 'k');
    assert.ok(initial);
    const base = await openWaiters(ts.server);
    const polls = Array.from({ length: 20 }, () => poll(pk, 'k', initial.ct, { timeout: 30 }));
    await waitersReach(base + 20, 'polls registered');
    await putItem(ts, pk, 'k', 'b', initial.ct);
    const results = await within(Promise.all(polls), 15_000, 'woken polls');
    for (const r of results) {
      assert.equal(r.status, 200);
      assert.deepEqual(r.json(), [b64('b')]);
    }
  });

  test('a never-written item waits, then wakes on its first write', async () => {
    const pk = uniquePk('poll-new');
    const timedOut = await within(poll(pk, 'k', EMPTY_TOKEN, { timeout: 1 }), 10_000, 'poll of a missing item');
    assert.equal(timedOut.status, 304);

    const base = await openWaiters(ts.server);
    const pending = poll(pk, 'k', EMPTY_TOKEN, { timeout: 30 });
    await waitersReach(base + 1, 'poll registered');
    await putItem(ts, pk, 'k', 'first');
    const res = await within(pending, 15_000, 'woken poll');
    assert.equal(res.status, 200, res.text());
    assert.deepEqual(res.json(), [b64('first')]);
  });

  test('a write to another item of the partition does not wake the poll', async () => {
    const pk = uniquePk('poll-other');
    await putItem(ts, pk, 'k', 'x');
    const initial = await readItem(ts, pk, 'k');
    assert.ok(initial);
    const pending = poll(pk, 'k', initial.ct, { timeout: 2 });
    await sleep(200);
    await putItem(ts, pk, 'other', 'y');
    const res = await within(pending, 15_000, 'poll');
    assert.equal(res.status, 304);
  });

  test('timeout=1 -> 304, empty body, no causality token, no content type', async () => {
    const pk = uniquePk('poll-timeout');
    await putItem(ts, pk, 'k', 'steady');
    const cur = await readItem(ts, pk, 'k');
    assert.ok(cur);
    const res = await within(poll(pk, 'k', cur.ct, { timeout: 1 }), 10_000, 'poll with timeout=1');
    assert.equal(res.status, 304);
    assert.equal(res.body.length, 0);
    assert.equal(ctOrUndefined(res), undefined);
    assert.equal(res.headers['content-type'], undefined);
  });

  test('timeout=0 is clamped to 1 second (304, not 400 and not an immediate answer)', async () => {
    const pk = uniquePk('poll-timeout0');
    await putItem(ts, pk, 'k', 'steady');
    const cur = await readItem(ts, pk, 'k');
    assert.ok(cur);
    const res = await within(poll(pk, 'k', cur.ct, { timeout: 0 }), 10_000, 'poll with timeout=0');
    assert.equal(res.status, 304);
  });

  test('a huge timeout is clamped, not rejected (the poll still answers on a write)', async () => {
    const pk = uniquePk('poll-timeout-big');
    await putItem(ts, pk, 'k', 'a');
    const cur = await readItem(ts, pk, 'k');
    assert.ok(cur);
    const base = await openWaiters(ts.server);
    const pending = poll(pk, 'k', cur.ct, { timeout: 100000 });
    await waitersReach(base + 1, 'poll registered');
    await putItem(ts, pk, 'k', 'b', cur.ct);
    const res = await within(pending, 15_000, 'woken poll');
    assert.equal(res.status, 200);
  });

  test('bad causality token -> 400 InvalidRequest', async () => {
    const pk = uniquePk('poll-bad-token');
    await putItem(ts, pk, 'k', 'v');
    const bad = [
      'tra$h',
      'AAAAAAAAAAA=', // padding
      'AAAAAAAAAAB', // non-canonical trailing bits
      'AAAAAAAA', // wrong length
      'ESIyz5qDH4kRIjNEVWZ3iAAAAYvP5WgC', // checksum mismatch
      'ESIyz5qDH4kRIjNEVWZ3iAAAAYvP5Wg+', // `+` is not base64url
    ];
    for (const token of bad) {
      const res = await within(poll(pk, 'k', enc(token), { timeout: 10 }), 10_000, `poll with ${token}`);
      assertError(res, 400, 'InvalidRequest', `token ${token}`);
    }
  });

  test('the contract example token is accepted (waits on a missing item)', async () => {
    const pk = uniquePk('poll-example-token');
    const res = await within(poll(pk, 'k', 'ESIyz5qDH4kRIjNEVWZ3iAAAAYvP5WgB', { timeout: 1 }), 10_000, 'poll');
    assert.equal(res.status, 304);
  });

  test('2 000 idle polls from one address are all held, then all woken by one write', async () => {
    // The default connection limits must let one client (an Aerogramme instance) hold many polls.
    const pk = uniquePk('poll-many');
    const base = await openWaiters(ts.server);
    const n = 2000;
    const pending = Array.from({ length: n }, () => poll(pk, 'k', 'AAAAAAAAAAA', { timeout: 600 }));
    await eventually(async () => (await openWaiters(ts.server)) >= base + n, 30_000, `${n} waiters registered`);
    await putItem(ts, pk, 'k', 'many');
    const answers = await within(Promise.all(pending), 30_000, 'woken polls');
    assert.ok(answers.every((r) => r.status === 200), 'every poll answered 200');
    assert.deepEqual(answers[n - 1]!.json(), [b64('many')]);
    await eventually(async () => (await openWaiters(ts.server)) === base, 10_000, 'waiters freed');
  });

  test('2 000 aborted polls free their waiters and the server stays responsive', async () => {
    const pk = uniquePk('poll-abort');
    await putItem(ts, pk, 'k', 'v');
    const cur = await readItem(ts, pk, 'k');
    assert.ok(cur);
    const base = await openWaiters(ts.server);
    const batch = 100;
    for (let done = 0; done < 2000; done += batch) {
      const controllers = Array.from({ length: batch }, () => new AbortController());
      const pending = controllers.map((c) =>
        poll(pk, 'k', cur.ct, { timeout: 600, signal: c.signal }).then(
          (r) => r.status,
          () => 'aborted' as const,
        ),
      );
      await eventually(async () => (await openWaiters(ts.server)) >= base + batch, 10_000, `batch ${done}: waiters registered`);
      for (const c of controllers) c.abort();
      const outcomes = await within(Promise.all(pending), 10_000, 'aborted polls');
      assert.ok(
        outcomes.every((o) => o === 'aborted'),
        `an aborted poll got an answer: ${outcomes.filter((o) => o !== 'aborted').join(',')}`,
      );
      await eventually(async () => (await openWaiters(ts.server)) === base, 10_000, `batch ${done}: waiters freed`);
    }
    assert.equal(await openWaiters(ts.server), base);

    // Still responsive: a read, and a fresh poll woken by a write.
    const again = await readItem(ts, pk, 'k');
    assert.deepEqual(again?.values, ['v']);
    const pending = poll(pk, 'k', cur.ct, { timeout: 30 });
    await waitersReach(base + 1, 'poll registered');
    await putItem(ts, pk, 'k', 'w', cur.ct);
    const res = await within(pending, 15_000, 'poll after the aborted ones');
    assert.equal(res.status, 200);
    assert.deepEqual(res.json(), [b64('w')]);
  });
});
