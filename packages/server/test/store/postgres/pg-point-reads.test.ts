/**
 * PointReads: the getItem calls of one event-loop turn go out as one statement (up to 256), each
 * answered with its own item; a failed statement fails its own calls only.
 * (The statement itself, readItems, runs on PostgreSQL in the store contract suite.)
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Buffer } from 'node:buffer';
import { encodeItem } from '../../../src/store/item-codec.js';
import { ItemView } from '../../../src/store/item-view.js';
import { PointReads } from '../../../src/store/postgres/pg-point-reads.js';
import type { BucketItemRef } from '../../../src/store/postgres/pg-snapshot.js';

function viewOf(sk: string): ItemView {
  const rec = encodeItem('p', sk, { entries: [{ node: 1n, discard: 0n, values: [{ t: 1n, v: Buffer.from(sk) }] }] });
  return ItemView.parse(rec, 0, rec.length);
}

describe('PostgreSQL point reads of one turn', () => {
  it('one statement per turn, answers in order; a new turn, a new statement', async () => {
    const calls: BucketItemRef[][] = [];
    const reads = new PointReads(async (refs) => {
      calls.push([...refs]);
      return refs.map((r) => (r.sk.startsWith('missing') ? undefined : viewOf(`${r.bucketId}:${r.pk}:${r.sk}`)));
    });
    const asked = Array.from({ length: 10 }, (_, i) => reads.get(`b${i % 2}`, `p${i}`, i === 3 ? 'missing' : `s${i}`));
    const got = await Promise.all(asked);
    assert.equal(calls.length, 1);
    assert.deepEqual(got.map((v) => v?.sk), got.map((_, i) => (i === 3 ? undefined : `b${i % 2}:p${i}:s${i}`)));
    await reads.get('b', 'p', 's');
    assert.equal(calls.length, 2);
  });

  it('more than 256 in a turn go out as several statements', async () => {
    const sizes: number[] = [];
    const reads = new PointReads(async (refs) => {
      sizes.push(refs.length);
      return refs.map((r) => viewOf(r.sk));
    });
    const got = await Promise.all(Array.from({ length: 600 }, (_, i) => reads.get('b', 'p', `k${i}`)));
    assert.deepEqual(sizes, [256, 256, 88]);
    assert.deepEqual(got.map((v) => v?.sk), Array.from({ length: 600 }, (_, i) => `k${i}`));
  });

  it('a failed statement rejects its own reads with its error, not the others', async () => {
    const boom = new Error('unavailable');
    let n = 0;
    const reads = new PointReads(async (refs) => {
      if (n++ === 0) throw boom;
      return refs.map((r) => viewOf(r.sk));
    });
    const first = Array.from({ length: 300 }, (_, i) => reads.get('b', 'p', `k${i}`).then(
      (v) => v?.sk,
      (err: unknown) => err,
    ));
    const out = await Promise.all(first);
    assert.ok(out.slice(0, 256).every((x) => x === boom));
    assert.deepEqual(out.slice(256), Array.from({ length: 44 }, (_, i) => `k${256 + i}`));
  });
});
