import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { encodeCausalityToken } from '../../src/k2v/causality-token.js';
import { causalContext, isInConflict, isNewer, isTombstoneOnly, values, type DvvsItem, type NodeEntry } from '../../src/k2v/dvvs.js';
import { decodeItem, encodeItem, ItemCodecError } from '../../src/store/item-codec.js';
import { ClockBound, ItemView } from '../../src/store/item-view.js';

const U64_MAX = (1n << 64n) - 1n;
const u64 = fc.oneof(fc.bigInt(0n, U64_MAX), fc.constantFrom(0n, 1n, 0xffffffffn, 1n << 32n, U64_MAX, 1n << 63n));
/** Few distinct values, so that duplicates are frequent; tombstones and empty values included. */
const value = fc.oneof(
  fc.constant(null),
  fc.constantFrom(new Uint8Array(0), new Uint8Array([1]), new Uint8Array([1, 2])),
  fc.uint8Array({ maxLength: 300 }),
);
const dot = fc.record({ t: u64, v: value });
/** Items as the store keeps them: node entries by strictly increasing node id. */
const item: fc.Arbitrary<DvvsItem> = fc
  .uniqueArray(fc.record({ node: u64, discard: u64, values: fc.array(dot, { maxLength: 5 }) }), { maxLength: 5, selector: (e) => e.node })
  .map((entries) => ({ entries: [...entries].sort((a, b) => (a.node < b.node ? -1 : a.node > b.node ? 1 : 0)) }));
const key = fc.string({ unit: 'binary', maxLength: 30 });

function viewOf(pk: string, sk: string, it: DvvsItem, pad = 0): ItemView {
  const rec = encodeItem(pk, sk, it);
  // somewhere inside a larger buffer, as in a slab of records
  const buf = Buffer.alloc(pad + rec.length + pad, 0xab);
  rec.copy(buf, pad);
  return ItemView.parse(buf, pad, pad + rec.length);
}

function distinct(v: ItemView): (string | null)[] {
  const out: number[] = [];
  const n = v.distinctValues(out);
  return Array.from({ length: n }, (_, i) => (out[2 * i]! < 0 ? null : v.base64(out[2 * i]!, out[2 * i + 1]!)));
}

describe('item view', () => {
  it('answers as dvvs.ts does on the decoded item', () => {
    fc.assert(
      fc.property(key, key, item, fc.nat(20), (pk, sk, it, pad) => {
        const v = viewOf(pk, sk, it, pad);
        const decoded = decodeItem(encodeItem(pk, sk, it));
        assert.equal(v.sk, decoded.sk);
        assert.equal(v.isTombstoneOnly(), isTombstoneOnly(decoded.item));
        assert.equal(v.isInConflict(), isInConflict(decoded.item));
        assert.deepEqual(distinct(v), values(decoded.item).map((x) => (x === null ? null : Buffer.from(x).toString('base64'))));
        assert.equal(v.causalityToken(), encodeCausalityToken(causalContext(decoded.item)));
      }),
      { numRuns: 500 },
    );
  });

  it('keeps exact duplicates once, in node order then write order', () => {
    const a = new Uint8Array([1, 2, 3]);
    const entries: NodeEntry[] = [
      { node: 1n, discard: 0n, values: [{ t: 5n, v: a }, { t: 6n, v: null }, { t: 7n, v: new Uint8Array([1, 2]) }] },
      { node: 2n, discard: 9n, values: [{ t: 10n, v: new Uint8Array([1, 2, 3]) }, { t: 11n, v: null }, { t: 12n, v: new Uint8Array(0) }] },
    ];
    const v = viewOf('p', 's', { entries });
    assert.deepEqual(distinct(v), ['AQID', null, 'AQI=', '']);
    assert.equal(v.isInConflict(), true);
    assert.equal(viewOf('p', 's', { entries: [{ node: 1n, discard: 0n, values: [{ t: 1n, v: a }, { t: 2n, v: a }] }] }).isInConflict(), false);
  });

  it('an item with no values is tombstone-only and has a token of its discard watermarks', () => {
    const it: DvvsItem = { entries: [{ node: 3n, discard: 1n << 40n, values: [] }, { node: U64_MAX, discard: 2n, values: [] }] };
    const v = viewOf('', '', it);
    assert.equal(v.isTombstoneOnly(), true);
    assert.equal(v.isInConflict(), false);
    assert.deepEqual(distinct(v), []);
    assert.equal(v.causalityToken(), encodeCausalityToken(causalContext(it)));
    assert.equal(viewOf('', '', { entries: [] }).causalityToken(), encodeCausalityToken(new Map()));
  });

  it('takes the slow path for the token when node ids are not strictly increasing', () => {
    const entries: NodeEntry[] = [
      { node: 9n, discard: 1n, values: [{ t: 4n, v: null }] },
      { node: 2n, discard: 7n, values: [] },
      { node: 9n, discard: 3n, values: [] },
    ];
    const it: DvvsItem = { entries };
    assert.equal(viewOf('p', 's', it).causalityToken(), encodeCausalityToken(causalContext(it)));
  });

  it('refuses what decodeItem refuses', () => {
    const rec = encodeItem('pk', 'sk', { entries: [{ node: 1n, discard: 0n, values: [{ t: 2n, v: new Uint8Array([5, 6]) }] }] });
    for (let n = 0; n < rec.length; n++) {
      assert.throws(() => decodeItem(rec.subarray(0, n)), ItemCodecError);
      assert.throws(() => ItemView.parse(rec, 0, n), ItemCodecError, `truncated to ${n}`);
    }
    const longer = Buffer.concat([rec, Buffer.of(0)]);
    assert.throws(() => ItemView.parse(longer, 0, longer.length), ItemCodecError);
    assert.throws(() => ItemView.parse(Buffer.of(9, 0, 0, 0), 0, 4), ItemCodecError);
    assert.throws(() => ItemView.parse(Buffer.of(1, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x0f), 0, 8), ItemCodecError);
    assert.throws(() => ItemView.parse(Buffer.of(1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01), 0, 10), ItemCodecError);
  });
});

describe('item view against a clock bound', () => {
  const clock = fc.array(fc.tuple(u64, u64), { maxLength: 4 }).map((pairs) => new Map(pairs));
  it('newerThan answers as isNewer(causalContext(item), clock)', () => {
    fc.assert(
      fc.property(item, clock, fc.boolean(), fc.array(fc.integer({ min: -1, max: 1 }), { minLength: 5, maxLength: 5 }), (it, vc, fromItem, offsets) => {
        // Half the clocks share node ids (and equal or adjacent times) with the item, as markers do.
        const bound = new Map(vc);
        if (fromItem) it.entries.forEach((e, i) => bound.set(e.node, maxTimeOf(e) + BigInt(offsets[i]!)));
        for (const [n, t] of bound) bound.set(n, t < 0n ? 0n : t > U64_MAX ? U64_MAX : t);
        const v = viewOf('pk', 'sk', it);
        assert.equal(v.newerThan(new ClockBound(bound)), isNewer(causalContext(it), bound));
      }),
      { numRuns: 1000 },
    );
  });

  it('takes the decoded path when node ids repeat', () => {
    const entries: NodeEntry[] = [
      { node: 9n, discard: 1n, values: [{ t: 40n, v: null }] },
      { node: 9n, discard: 3n, values: [] },
    ];
    // causalContext keeps the last entry of node 9 (time 3).
    assert.equal(viewOf('p', 's', { entries }).newerThan(new ClockBound(new Map([[9n, 5n]]))), false);
    assert.equal(viewOf('p', 's', { entries }).newerThan(new ClockBound(new Map([[9n, 2n]]))), true);
  });
});

function maxTimeOf(e: NodeEntry): bigint {
  return e.values.reduce((m, d) => (d.t > m ? d.t : m), e.discard);
}
