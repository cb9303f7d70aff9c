import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ChangeLog } from '../../src/k2v/change-log.js';

type Op =
  | { kind: 'record'; sk: string }
  | { kind: 'resync' }
  | { kind: 'subscribe' }
  | { kind: 'answer'; poll: number; marker: string }
  | { kind: 'ask'; marker: string };

const sk = fc.constantFrom('a', 'b', 'c', 'dd', 'eeeeeeeeee');
const marker = fc.constantFrom('m1', 'm2', 'm3', 'm4');
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 10, arbitrary: sk.map((s) => ({ kind: 'record' as const, sk: s })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'resync' as const }) },
  { weight: 3, arbitrary: fc.constant({ kind: 'subscribe' as const }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('answer' as const), poll: fc.nat(2), marker }) },
  { weight: 5, arbitrary: marker.map((m) => ({ kind: 'ask' as const, marker: m })) },
);

describe('change log', () => {
  it('lists exactly the keys changed since an answer, or says it does not know (never too few)', () => {
    let known = 0;
    fc.assert(
      fc.property(fc.array(op, { minLength: 20, maxLength: 120 }), fc.integer({ min: 2, max: 64 }), fc.integer({ min: 1, max: 200 }), fc.integer({ min: 1, max: 4 }), (ops, maxChanges, maxKeyChars, maxMarks) => {
        const log = new ChangeLog(maxChanges, maxKeyChars, maxMarks);
        // The model: every event in order; a poll's position is the event count when it subscribed.
        const events: ({ sk: string } | 'resync')[] = [];
        const polls: number[] = [];
        const answered = new Map<string, number[]>();
        for (const o of ops) {
          if (o.kind === 'record') {
            events.push({ sk: o.sk });
            log.record(o.sk);
            assert.ok(log.size <= maxChanges, 'bounded');
          } else if (o.kind === 'resync') {
            events.push('resync');
            log.resync();
          } else if (o.kind === 'subscribe') {
            polls.push(events.length);
            polls.push(log.position);
          } else if (o.kind === 'answer') {
            if (polls.length < 2) continue;
            // Mostly one of the latest polls, as clients answer soon after subscribing.
            const i = polls.length - 2 - 2 * (o.poll % (polls.length / 2));
            answered.set(o.marker, [...(answered.get(o.marker) ?? []), polls[i]!]);
            log.remember(o.marker, polls[i + 1]!);
          } else {
            const got = log.changedSince(o.marker);
            if (got === undefined) continue;
            known++;
            // Known: the keys changed since one of the answers of this marker, with no resync since
            // (any answer's snapshot is covered by the marker).
            const candidates = (answered.get(o.marker) ?? [])
              .map((at) => events.slice(at))
              .filter((since) => !since.includes('resync'))
              .map((since) => [...new Set(since.map((e) => (e as { sk: string }).sk))]);
            assert.ok(
              candidates.some((keys) => JSON.stringify(keys) === JSON.stringify(got)),
              `${JSON.stringify(got)} is not what changed since an answer: ${JSON.stringify(candidates)}`,
            );
          }
        }
      }),
      { numRuns: 2000 },
    );
    assert.ok(known > 500, `the known case was exercised (${known} times)`);
  });

  it('knows an answer while fewer changes than its bound followed it, and forgets the oldest answers first', () => {
    const log = new ChangeLog(8, 1000, 2);
    const p = log.position;
    log.record('a');
    log.remember('m1', p);
    log.record('b');
    log.record('a');
    assert.deepEqual(log.changedSince('m1'), ['a', 'b'], 'each key once, in the order first changed');
    log.remember('m2', log.position);
    assert.deepEqual(log.changedSince('m2'), []);
    log.remember('m3', log.position);
    assert.equal(log.changedSince('m1'), undefined, 'forgotten: at most 2 answers');
    for (let i = 0; i < 9; i++) log.record(`k${i}`);
    assert.ok(log.size <= 8);
    assert.equal(log.changedSince('m2'), undefined, 'older than the changes kept');
    const q = log.position;
    log.remember('m4', q);
    log.record('z');
    assert.deepEqual(log.changedSince('m4'), ['z']);
    log.resync();
    assert.equal(log.changedSince('m4'), undefined);
    log.remember('m5', q);
    assert.equal(log.changedSince('m5'), undefined, 'a position from before a resync is not remembered');
  });
});
