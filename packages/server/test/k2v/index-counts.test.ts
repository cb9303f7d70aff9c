import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { EMPTY_ITEM, type DvvsItem, type Value } from '../../src/k2v/dvvs.js';
import {
  addCounts,
  addCountsOf,
  countsOf,
  isZeroCounts,
  ZERO_COUNTS,
  zeroSum,
  type IndexCounts,
} from '../../src/k2v/index-counts.js';
import { simulate, opArb } from './sim.js';

const b = (...x: number[]): Uint8Array => new Uint8Array(x);
const item = (...perNode: Value[][]): DvvsItem => ({
  entries: perNode.map((vs, i) => ({ node: BigInt(i + 1), discard: 0n, values: vs.map((v, j) => ({ t: BigInt(j + 1), v })) })),
});
const counts = (entries: number, conflicts: number, values: number, bytes: number): IndexCounts => ({
  entries,
  conflicts,
  values,
  bytes,
});

describe('countsOf', () => {
  it('counts one plain value', () => {
    assert.deepEqual(countsOf(item([b(1, 2, 3)])), counts(1, 0, 1, 3));
  });

  it('counts an empty value as a value of 0 bytes', () => {
    assert.deepEqual(countsOf(item([b()])), counts(1, 0, 1, 0));
  });

  it('counts a tombstone-only item as nothing', () => {
    assert.deepEqual(countsOf(item([null])), ZERO_COUNTS);
    assert.deepEqual(countsOf(item([null], [null])), ZERO_COUNTS);
    assert.deepEqual(countsOf(EMPTY_ITEM), ZERO_COUNTS);
  });

  it('counts a value concurrent with a tombstone as a conflict', () => {
    assert.deepEqual(countsOf(item([b(1, 2)], [null])), counts(1, 1, 1, 2));
  });

  it('counts distinct values once each', () => {
    assert.deepEqual(countsOf(item([b(1, 2), b(3)], [b(1, 2), b(4, 5, 6)])), counts(1, 1, 3, 6));
    assert.deepEqual(countsOf(item([b(7)], [b(7)])), counts(1, 0, 1, 1));
  });
});

/** a - b, field by field (the reference of the tests below). */
function subCounts(a: IndexCounts, b: IndexCounts): IndexCounts {
  return { entries: a.entries - b.entries, conflicts: a.conflicts - b.conflicts, values: a.values - b.values, bytes: a.bytes - b.bytes };
}

describe('counter arithmetic', () => {
  const c = fc.record({ entries: fc.nat(), conflicts: fc.nat(), values: fc.nat(), bytes: fc.nat() }, { noNullPrototype: true });

  it('subtracting what was added gives back the start', () => {
    fc.assert(
      fc.property(c, c, (x, y) => {
        assert.deepEqual(subCounts(addCounts(x, y), y), x);
        assert.deepEqual(addCounts(x, ZERO_COUNTS), x);
        assert.ok(isZeroCounts(subCounts(x, x)));
      }),
    );
  });

  it('isZeroCounts needs all four fields zero', () => {
    assert.ok(isZeroCounts(ZERO_COUNTS));
    assert.ok(!isZeroCounts(counts(0, 0, 0, 1)));
    assert.ok(!isZeroCounts(counts(0, 1, 0, 0)));
    assert.ok(!isZeroCounts(counts(1, 0, 0, 0)));
    assert.ok(!isZeroCounts(counts(0, 0, 1, 0)));
  });
});

describe('addCountsOf', () => {
  const states = fc.array(opArb, { minLength: 1, maxLength: 20 }).map((ops) => simulate(ops));

  it('adds and subtracts exactly countsOf, for every reachable item', () => {
    fc.assert(
      fc.property(states, fc.nat(), (h, i) => {
        const a = h[i % h.length]!;
        const b = h[(i * 7 + 3) % h.length]!;
        const sum = zeroSum();
        addCountsOf(sum, a, 1);
        addCountsOf(sum, b, -1);
        assert.deepEqual({ ...sum }, subCounts(countsOf(a), countsOf(b)));
      }),
    );
  });

  it('counts a single value, a single tombstone and an empty item', () => {
    const sum = zeroSum();
    addCountsOf(sum, item([b(1, 2, 3)]), 1);
    assert.deepEqual({ ...sum }, counts(1, 0, 1, 3));
    addCountsOf(sum, item([null]), 1);
    addCountsOf(sum, EMPTY_ITEM, 1);
    assert.deepEqual({ ...sum }, counts(1, 0, 1, 3));
    addCountsOf(sum, item([], [b(9)]), -1);
    assert.deepEqual({ ...sum }, counts(0, 0, 0, 2));
  });
});
