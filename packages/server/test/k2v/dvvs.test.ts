import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  causalContext,
  EMPTY_ITEM,
  isInConflict,
  isNewer,
  isTombstoneOnly,
  merge,
  update,
  values,
  type DvvsItem,
  type Value,
} from '../../src/k2v/dvvs.js';
import { canonical, opArb, simulate, valueArb } from './sim.js';

const bytes = (...b: number[]): Uint8Array => new Uint8Array(b);
const N = 7n;
const canonicalValue = (v: Value): string => (v === null ? 'null' : Buffer.from(v).toString('hex'));

/** Three states picked from one simulated history. */
const threeStates = fc
  .tuple(fc.array(opArb, { minLength: 1, maxLength: 25 }), fc.nat(), fc.nat(), fc.nat())
  .map(([ops, i, j, k]) => {
    const h = simulate(ops);
    return [h[i % h.length]!, h[j % h.length]!, h[k % h.length]!] as const;
  });

describe('merge on reachable states', () => {
  it('is commutative', () => {
    fc.assert(
      fc.property(threeStates, ([a, b]) => {
        assert.equal(canonical(merge(a, b)), canonical(merge(b, a)));
      }),
      { numRuns: 500 },
    );
  });

  it('is associative', () => {
    fc.assert(
      fc.property(threeStates, ([a, b, c]) => {
        assert.equal(canonical(merge(merge(a, b), c)), canonical(merge(a, merge(b, c))));
      }),
      { numRuns: 500 },
    );
  });

  it('is idempotent', () => {
    fc.assert(
      fc.property(threeStates, ([a, b]) => {
        assert.equal(canonical(merge(a, a)), canonical(a));
        const ab = merge(a, b);
        assert.equal(canonical(merge(ab, b)), canonical(ab));
      }),
      { numRuns: 500 },
    );
  });

  it('never loses causal context', () => {
    fc.assert(
      fc.property(threeStates, ([a, b]) => {
        const m = causalContext(merge(a, b));
        assert.ok(!isNewer(causalContext(a), m));
        assert.ok(!isNewer(causalContext(b), m));
      }),
    );
  });
});

/** One replica, the states a client can read: write on `item` via node N after `ops`. */
const reachedItem = fc.array(opArb, { maxLength: 15 }).map((ops) => {
  const h = simulate(ops);
  // Fold every replica's latest state into one readable item.
  return h.reduce((acc: DvvsItem, s) => merge(acc, s), EMPTY_ITEM);
});

describe('client-visible write semantics', () => {
  it('a write with the latest token leaves exactly that value', () => {
    fc.assert(
      fc.property(reachedItem, valueArb, (item, v) => {
        const { item: after } = update(item, N, causalContext(item), v, 1_800_000_000_000n);
        assert.deepEqual(values(after), [v]);
      }),
    );
  });

  it('two writes with the same old token leave both values', () => {
    fc.assert(
      fc.property(reachedItem, (item) => {
        const ct = causalContext(item);
        const v1 = bytes(1, 1, 1);
        const v2 = bytes(2, 2, 2);
        const a = update(item, N, ct, v1, 1_800_000_000_000n);
        const b = update(a.item, N, ct, v2, a.t);
        assert.deepEqual(values(b.item), [v1, v2]);
        assert.ok(isInConflict(b.item));
      }),
    );
  });

  it('a write with no token on an existing item adds a concurrent value', () => {
    fc.assert(
      fc.property(reachedItem, (item) => {
        const before = values(item);
        const fresh = bytes(9, 9, 9, 9);
        const { item: after } = update(item, N, undefined, fresh, 1_800_000_000_000n);
        const got = values(after);
        assert.equal(got.length, before.length + 1);
        for (const v of [...before, fresh]) assert.ok(got.some((g) => canonicalValue(g) === canonicalValue(v)));
      }),
    );
  });

  it('a delete with the latest token leaves one tombstone', () => {
    fc.assert(
      fc.property(reachedItem, (item) => {
        const { item: after } = update(item, N, causalContext(item), null, 1_800_000_000_000n);
        assert.deepEqual(values(after), [null]);
        assert.ok(isTombstoneOnly(after));
        assert.ok(!isInConflict(after));
      }),
    );
  });

  it('a delete of a never-written item creates a tombstone-only item', () => {
    const { item } = update(EMPTY_ITEM, N, undefined, null, 5n);
    assert.deepEqual(values(item), [null]);
    assert.deepEqual(causalContext(item), new Map([[N, 6n]]));
  });

  it('a token naming an unknown node stays in the causal context', () => {
    const { item } = update(EMPTY_ITEM, N, new Map([[42n, 1000n]]), bytes(1), 5n);
    assert.deepEqual(causalContext(item), new Map([[42n, 1000n], [N, 6n]]));
  });

  it('timestamps issued by one node strictly increase across items', () => {
    const write = fc.record({ item: fc.nat(3), useToken: fc.boolean(), value: valueArb, now: fc.bigInt(0n, 50n) });
    fc.assert(
      fc.property(fc.array(write, { minLength: 1, maxLength: 40 }), (writes) => {
        const items: DvvsItem[] = [EMPTY_ITEM, EMPTY_ITEM, EMPTY_ITEM, EMPTY_ITEM];
        let last = 0n;
        for (const w of writes) {
          const it = items[w.item]!;
          const floor = w.now > last ? w.now : last;
          const r = update(it, N, w.useToken ? causalContext(it) : undefined, w.value, floor);
          assert.ok(r.t > last, `${r.t} > ${last}`);
          assert.ok(r.t > w.now);
          assert.equal(causalContext(r.item).get(N), r.t);
          last = r.t;
          items[w.item] = r.item;
        }
      }),
    );
  });

  it('a newer token discards values on other nodes too', () => {
    const a = update(EMPTY_ITEM, 1n, undefined, bytes(1), 10n);
    const b = update(merge(EMPTY_ITEM, a.item), 2n, undefined, bytes(2), 10n);
    assert.deepEqual(values(b.item), [bytes(1), bytes(2)]);
    const c = update(b.item, 1n, causalContext(b.item), bytes(3), a.t);
    assert.deepEqual(values(c.item), [bytes(3)]);
  });
});

describe('update of a never-written item without a token (fast path)', () => {
  const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });

  it('is the general update with an empty context', () => {
    fc.assert(
      fc.property(u64, valueArb, fc.bigInt({ min: -3n, max: 1n << 60n }), (node, value, floor) => {
        const fast = update(EMPTY_ITEM, node, undefined, value, floor);
        const general = update({ entries: [] }, node, new Map(), value, floor);
        assert.deepEqual(fast, general);
      }),
    );
  });
});

describe('values()', () => {
  const item = (entries: [bigint, [bigint, Value][]][]): DvvsItem => ({
    entries: entries.map(([node, vs]) => ({ node, discard: 0n, values: vs.map(([t, v]) => ({ t, v })) })),
  });

  it('orders by node then write order and keeps the first of duplicates', () => {
    const it = item([
      [1n, [[5n, bytes(2)], [6n, null], [7n, bytes(1)]]],
      [2n, [[3n, bytes(1)], [4n, null], [8n, bytes()], [9n, bytes(3)]]],
    ]);
    assert.deepEqual(values(it), [bytes(2), null, bytes(1), bytes(), bytes(3)]);
  });

  it('an empty value is a value, not a tombstone', () => {
    const it = item([[1n, [[1n, bytes()]]]]);
    assert.ok(!isTombstoneOnly(it));
    assert.ok(isTombstoneOnly(item([[1n, [[1n, null], [2n, null]]]])));
    assert.ok(!isInConflict(item([[1n, [[1n, null]]], [2n, [[1n, null]]]])));
    assert.ok(isInConflict(item([[1n, [[1n, null]]], [2n, [[1n, bytes()]]]])));
  });
});
