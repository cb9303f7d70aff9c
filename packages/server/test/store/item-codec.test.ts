import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { DvvsItem } from '../../src/k2v/dvvs.js';
import { decodeItem, encodedItemSize, encodeItem, ItemCodecError, ItemEncoder } from '../../src/store/item-codec.js';

const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const value = fc.option(fc.uint8Array({ maxLength: 300 }), { nil: null });
const item: fc.Arbitrary<DvvsItem> = fc
  .array(fc.record({ node: u64, discard: u64, values: fc.array(fc.record({ t: u64, v: value }), { maxLength: 5 }) }), {
    maxLength: 4,
  })
  .map((entries) => ({ entries }));
const key = fc.string({ unit: 'binary', maxLength: 40 });

/** Buffers and Uint8Arrays compare equal by content. */
function plain(i: DvvsItem): unknown {
  return i.entries.map((e) => ({
    node: e.node,
    discard: e.discard,
    values: e.values.map((d) => ({ t: d.t, v: d.v === null ? null : [...d.v] })),
  }));
}

describe('item codec', () => {
  it('round-trips any item, partition key and sort key', () => {
    fc.assert(
      fc.property(key, key, item, (pk, sk, it) => {
        const decoded = decodeItem(encodeItem(pk, sk, it));
        assert.equal(decoded.pk, pk);
        assert.equal(decoded.sk, sk);
        assert.deepEqual(plain(decoded.item), plain(it));
      }),
    );
  });

  it('round-trips from a plain Uint8Array copy too', () => {
    const it: DvvsItem = { entries: [{ node: 7n, discard: 3n, values: [{ t: 9n, v: new Uint8Array([1, 2]) }, { t: 10n, v: null }] }] };
    const bytes = new Uint8Array(encodeItem('p', 's', it));
    assert.deepEqual(plain(decodeItem(bytes).item), plain(it));
  });

  it('keeps empty values apart from tombstones', () => {
    const it: DvvsItem = { entries: [{ node: 1n, discard: 0n, values: [{ t: 2n, v: new Uint8Array(0) }, { t: 3n, v: null }] }] };
    const d = decodeItem(encodeItem('', '', it)).item.entries[0]!.values;
    assert.equal(d[0]!.v?.length, 0);
    assert.equal(d[1]!.v, null);
  });

  it('returns values as views into the input, without copying', () => {
    const buf = encodeItem('pk', 'sk', { entries: [{ node: 1n, discard: 0n, values: [{ t: 2n, v: new Uint8Array([5, 6, 7]) }] }] });
    const v = decodeItem(buf).item.entries[0]!.values[0]!.v!;
    assert.equal(v.buffer, buf.buffer);
  });

  it('is compact: a small value costs little more than its bytes', () => {
    const buf = encodeItem('pk', 'sk', { entries: [{ node: 1n, discard: 0n, values: [{ t: 2n, v: new Uint8Array(10) }] }] });
    // format + 2 keys + entry count + node + discard + count + t + tag + 10 bytes
    assert.equal(buf.length, 1 + 3 + 3 + 1 + 16 + 1 + 8 + 1 + 10);
  });

  it('rejects truncated, extended and foreign records', () => {
    const buf = encodeItem('pk', 'sk', { entries: [{ node: 1n, discard: 0n, values: [{ t: 2n, v: new Uint8Array(3) }] }] });
    assert.throws(() => decodeItem(buf.subarray(0, buf.length - 1)), ItemCodecError);
    assert.throws(() => decodeItem(Buffer.concat([buf, Buffer.of(0)])), ItemCodecError);
    assert.throws(() => decodeItem(Buffer.of(9, 0, 0, 0)), ItemCodecError);
    assert.throws(() => decodeItem(Buffer.alloc(0)), ItemCodecError);
    // an absurd entry count must not allocate: it fails on the length check
    assert.throws(() => decodeItem(Buffer.of(1, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x0f)), ItemCodecError);
  });

  it('ItemEncoder and encodedItemSize agree with encodeItem, call after call (scratch reuse, growth, large items)', () => {
    const encoder = new ItemEncoder();
    const big = fc.uint8Array({ minLength: 20_000, maxLength: 40_000 });
    const anyItem = fc.oneof(
      { arbitrary: item, weight: 5 },
      fc
        .array(big, { minLength: 1, maxLength: 4 })
        .map((vs) => ({ entries: [{ node: 1n, discard: 0n, values: vs.map((v, i) => ({ t: BigInt(i + 1), v })) }] })),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(key, key, anyItem), { minLength: 1, maxLength: 6 }), (cases) => {
        for (const [pk, sk, it] of cases) {
          const expected = encodeItem(pk, sk, it);
          assert.equal(encodedItemSize(pk, sk, it), expected.length);
          assert.deepEqual(encoder.encode(pk, sk, it), expected);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('encodes ASCII and non-ASCII keys alike (the byte-loop fast path is exact)', () => {
    const it: DvvsItem = { entries: [{ node: 1n, discard: 0n, values: [{ t: 2n, v: null }] }] };
    for (const [pk, sk] of [
      ['abc', 'é'],
      ['日本', 'x'],
      ['\u{1F600}', '\u007f'],
    ] as const) {
      const d = decodeItem(new ItemEncoder().encode(pk, sk, it));
      assert.equal(d.pk, pk);
      assert.equal(d.sk, sk);
    }
  });
});
