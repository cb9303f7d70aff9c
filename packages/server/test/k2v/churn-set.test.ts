import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChurnSet } from '../../src/k2v/churn-set.js';
import { membersInRound, payload, promotedWhile } from '../support/young-gc.js';

describe('ChurnSet', () => {
  it('adds, deletes by entry and lists in insertion order', () => {
    const s = new ChurnSet<string>();
    const a = s.add('a');
    const b = s.add('b');
    const a2 = s.add('a');
    assert.equal(s.size, 3);
    assert.deepEqual(s.values(), ['a', 'b', 'a']);
    assert.equal(s.delete(b), true);
    assert.equal(s.delete(b), false, 'a second delete is a no-op');
    assert.deepEqual(s.values(), ['a', 'a']);
    assert.equal(s.delete(a2), true);
    assert.equal(s.delete(a), true);
    assert.equal(s.size, 0);
    assert.deepEqual(s.values(), []);
    s.add('c');
    assert.deepEqual(s.values(), ['c']);
  });

  it('refuses an entry of another set', () => {
    const s = new ChurnSet<number>();
    const t = new ChurnSet<number>();
    const e = t.add(1);
    s.add(1);
    assert.equal(s.delete(e), false);
    assert.equal(s.size, 1);
    assert.equal(t.size, 1);
  });

  it('forEach skips members removed during the walk and does not visit ones added during it', () => {
    const s = new ChurnSet<string>();
    const entries = new Map<string, ReturnType<ChurnSet<string>['add']>>();
    for (const v of ['a', 'b', 'c', 'd']) entries.set(v, s.add(v));
    const seen: string[] = [];
    s.forEach((v) => {
      seen.push(v);
      if (v === 'a') {
        s.delete(entries.get('a')!); // itself
        s.delete(entries.get('c')!); // one still ahead
        s.add('e');
      }
    });
    assert.deepEqual(seen, ['a', 'b', 'd']);
    assert.deepEqual(s.values(), ['b', 'd', 'e']);
  });

  it('forEach on a single member', () => {
    const s = new ChurnSet<number>();
    const e = s.add(7);
    const seen: number[] = [];
    s.forEach((v) => {
      seen.push(v);
      s.delete(e);
    });
    assert.deepEqual(seen, [7]);
    assert.equal(s.size, 0);
  });

  it('lets members that came and went die young, while the set itself is old', () => {
    // 12 000 members of about 1 KB, 1 to 23 at a time: about 13 MB if they were kept for the scavenger.
    const grown = promotedWhile(1_000, () => {
      const s = new ChurnSet<number[]>();
      s.add(payload(-1)); // one long-lived member, as a partition's permanent watcher
      return (i) => {
        const entries = Array.from({ length: membersInRound(i) }, () => s.add(payload(i)));
        for (const e of entries) s.delete(e);
      };
    });
    assert.ok(grown < 3_000_000, `old space grew by ${grown} bytes`);
  });
});
