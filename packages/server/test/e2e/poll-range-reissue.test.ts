/**
 * A PollRange re-issued with the marker this server answered reads only the items changed since
 * that answer (k2v/change-log.ts), and answers exactly as a whole-range read would: counted by
 * `k2v_poll_range_checks_total{read}`. One process only (with workers, a re-issued poll may land
 * on another worker, which reads the whole range: poll-range.test.ts covers the answers there).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { testWorkers } from '../support/worker-cluster.js';
import { b64, enc, insertBatch, uniquePk, useTestServer, type TestResponse } from './harness.js';
import { parseExposition, scrape, value } from './support-metrics.js';
import { within } from './support-http.js';

interface PollResult {
  items: { sk: string; ct: string; v: (string | null)[] }[];
  seenMarker: string;
}

describe('PollRange re-issued with its marker', { skip: testWorkers() > 1 ? 'one process only' : false }, () => {
  const ts = useTestServer();

  const poll = (pk: string, body: Record<string, unknown>): Promise<TestResponse> =>
    ts.request({ method: 'POST', path: `/${ts.bucket}/${enc(pk)}?poll_range`, body: JSON.stringify(body) });
  const answer = async (pk: string, body: Record<string, unknown>): Promise<PollResult> => {
    const res = await within(poll(pk, body), 15_000, 'poll');
    assert.equal(res.status, 200, res.text());
    return res.json<PollResult>();
  };
  const checks = async (): Promise<{ range: number; changed: number }> => {
    const s = parseExposition((await scrape(ts)).text);
    return { range: value(s, 'k2v_poll_range_checks_total', { read: 'range' }) ?? 0, changed: value(s, 'k2v_poll_range_checks_total', { read: 'changed' }) ?? 0 };
  };

  test('reads only what changed since its answer, and answers as a whole-range read', async () => {
    const pk = uniquePk('reissue');
    await insertBatch(ts, Array.from({ length: 200 }, (_, i) => ({ pk, sk: `k${String(i).padStart(3, '0')}`, v: b64('x') })));
    const range = { start: 'k100', end: 'k190' };
    const first = await answer(pk, range);
    assert.equal(first.items.length, 90);

    await insertBatch(ts, [
      { pk, sk: 'k150', v: b64('in range') },
      { pk, sk: 'k050', v: b64('before start') },
      { pk, sk: 'k195', v: b64('beyond end') },
      { pk, sk: 'k1000', v: b64('new, in range') },
      { pk: `${pk}-other`, sk: 'k150', v: b64('other partition') },
    ]);
    const before = await checks();
    const second = await answer(pk, { ...range, seenMarker: first.seenMarker, timeout: 5 });
    const after = await checks();
    assert.deepEqual(second.items.map((i) => i.sk), ['k1000', 'k150']);
    assert.deepEqual(after, { range: before.range, changed: before.changed + 1 }, 'one check, of the changed items only');

    // The same marker again gives the same answer (the first answer is still remembered) ...
    const again = await answer(pk, { ...range, seenMarker: first.seenMarker, timeout: 5 });
    assert.deepEqual(again.items, second.items);
    // ... and a marker this server never answered for this range reads it all, with the same result.
    const wider = await answer(pk, { start: 'k000', seenMarker: first.seenMarker, timeout: 5 });
    const afterWider = await checks();
    assert.equal(afterWider.range, after.range + 1, 'another range: read whole');
    // (The marker's clock covers every item written before the first answer.)
    assert.deepEqual(wider.items.map((i) => i.sk), ['k050', 'k1000', 'k150', 'k195']);

    // Nothing changed since the second answer: the re-issued poll waits, and wakes on a write.
    const waiting = poll(pk, { ...range, seenMarker: second.seenMarker, timeout: 10 });
    await new Promise((r) => setTimeout(r, 300));
    await insertBatch(ts, [{ pk, sk: 'k101', v: b64('later') }]);
    const third = await within(waiting, 15_000, 'held poll');
    assert.equal(third.status, 200);
    assert.deepEqual(third.json<PollResult>().items.map((i) => i.sk), ['k101']);
  });
});
