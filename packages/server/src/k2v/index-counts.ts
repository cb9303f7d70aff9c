/**
 * Per-partition counters of ReadIndex (contract section 7). The store keeps, per partition, the
 * sum of `countsOf(item)` over its items: on each write it adds the new item's counts and
 * subtracts the old one's, in the same transaction.
 */
import { isTombstoneOnly, values, type DotValue, type DvvsItem } from './dvvs.js';

export interface IndexCounts {
  readonly entries: number;
  readonly conflicts: number;
  readonly values: number;
  readonly bytes: number;
}

export const ZERO_COUNTS: IndexCounts = Object.freeze({ entries: 0, conflicts: 0, values: 0, bytes: 0 });

/**
 * One item's contribution, as Garage's `counts()`: entries 1 unless tombstone-only, conflicts 1
 * with two or more distinct values (a tombstone counts), values and bytes over the distinct
 * non-tombstone values.
 */
export function countsOf(item: DvvsItem): IndexCounts {
  const vs = values(item);
  let n = 0;
  let bytes = 0;
  for (const v of vs) {
    if (v === null) continue;
    n++;
    bytes += v.length;
  }
  return {
    entries: isTombstoneOnly(item) ? 0 : 1,
    conflicts: vs.length > 1 ? 1 : 0,
    values: n,
    bytes,
  };
}

/** A running sum of counts (the delta of one partition in one transaction). */
export interface CountsSum {
  entries: number;
  conflicts: number;
  values: number;
  bytes: number;
}

export function zeroSum(): CountsSum {
  return { entries: 0, conflicts: 0, values: 0, bytes: 0 };
}

/**
 * `sum += sign * countsOf(item)`, without building the counts of the usual item (one value: a
 * single value is never a conflict, and is either a tombstone or one entry of its bytes).
 */
export function addCountsOf(sum: CountsSum, item: DvvsItem, sign: 1 | -1): void {
  let only: DotValue | undefined;
  let n = 0;
  for (const e of item.entries) {
    n += e.values.length;
    if (e.values.length > 0) only = e.values[0];
  }
  if (n === 1) {
    const v = only!.v;
    if (v !== null) {
      sum.entries += sign;
      sum.values += sign;
      sum.bytes += sign * v.length;
    }
    return;
  }
  const c = countsOf(item);
  sum.entries += sign * c.entries;
  sum.conflicts += sign * c.conflicts;
  sum.values += sign * c.values;
  sum.bytes += sign * c.bytes;
}

export function addCounts(a: IndexCounts, b: IndexCounts): IndexCounts {
  return {
    entries: a.entries + b.entries,
    conflicts: a.conflicts + b.conflicts,
    values: a.values + b.values,
    bytes: a.bytes + b.bytes,
  };
}

/** A partition whose four counters are all zero is not listed by ReadIndex. */
export function isZeroCounts(c: IndexCounts): boolean {
  return c.entries === 0 && c.conflicts === 0 && c.values === 0 && c.bytes === 0;
}
