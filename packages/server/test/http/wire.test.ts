import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { DvvsItem } from '../../src/k2v/dvvs.js';
import { decodeItem, encodeItem } from '../../src/store/item-codec.js';
import { ItemView, NATIVE_BASE64_FROM } from '../../src/store/item-view.js';
import { JsonOut } from '../../src/http/json-out.js';
import { isAscii, itemJson, jsonString } from '../../src/http/wire.js';

const U64_MAX = (1n << 64n) - 1n;
const u64 = fc.oneof(fc.bigInt(0n, U64_MAX), fc.constantFrom(0n, 1n, U64_MAX, 1n << 63n));
// Values on both sides of the threshold where ItemView switches to Node's base64 encoder.
// fast-check keeps generated arrays short unless their length is drawn explicitly.
const anyLength = fc.integer({ min: 0, max: 2 * NATIVE_BASE64_FROM }).chain((n) => fc.uint8Array({ minLength: n, maxLength: n }));
const value = fc.oneof(fc.constant(null), fc.constantFrom(new Uint8Array(0), new Uint8Array([0xff])), fc.uint8Array({ maxLength: 120 }), anyLength);
const item: fc.Arbitrary<DvvsItem> = fc
  .uniqueArray(fc.record({ node: u64, discard: u64, values: fc.array(fc.record({ t: u64, v: value }), { maxLength: 4 }) }), {
    maxLength: 4,
    selector: (e) => e.node,
  })
  .map((entries) => ({ entries: [...entries].sort((a, b) => (a.node < b.node ? -1 : a.node > b.node ? 1 : 0)) }));
/** Sort keys: plain ASCII, JSON specials, control characters, any code point, lone surrogates. */
const sk = fc.oneof(
  fc.string({ unit: 'binary-ascii', maxLength: 20 }),
  fc.string({ unit: fc.constantFrom('a', '"', '\\', '\n', '\u0000', '\u001f', '\u007f', '\u2028', '\u00e9', '\ud83d', '\ude00'), maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
);

describe('wire JSON', () => {
  it('jsonString is JSON.stringify', () => {
    fc.assert(fc.property(fc.oneof(sk, fc.string({ unit: 'grapheme', maxLength: 20 })), (s) => assert.equal(jsonString(s), JSON.stringify(s))), { numRuns: 1000 });
  });

  it('isAscii: every code unit is below 0x80', () => {
    fc.assert(fc.property(sk, (s) => assert.equal(isAscii(s), /^[\x00-\x7f]*$/.test(s))));
  });

  it('JsonOut writes itemJson of the decoded item, and counts its UTF-16 length', () => {
    fc.assert(
      fc.property(sk, item, fc.boolean(), (k, it, first) => {
        const rec = encodeItem('pk', k, it);
        const decoded = decodeItem(rec);
        const out = new JsonOut(16);
        out.item(ItemView.parse(rec, 0, rec.length), first);
        const expected = (first ? '' : ',') + itemJson(decoded.sk, decoded.item);
        assert.equal(out.chars, expected.length);
        assert.equal(out.take().toString('utf8'), expected);
        assert.equal(out.chars, 0);
      }),
      { numRuns: 1000 },
    );
  });

  it('JsonOut: a sequence of texts and items is the concatenation of their strings', () => {
    const piece = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 40 }).map((t) => ({ t })),
      fc.tuple(sk, item).map(([k, it]) => ({ rec: encodeItem('pk', k, it) })),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 30 }), fc.integer({ min: 1, max: 4096 }), (pieces, initial) => {
        const out = new JsonOut(initial);
        let expected = '';
        let first = true;
        for (const p of pieces) {
          if ('t' in p) {
            out.text(p.t);
            expected += p.t;
          } else {
            out.item(ItemView.parse(p.rec, 0, p.rec.length), first);
            const d = decodeItem(p.rec);
            expected += (first ? '' : ',') + itemJson(d.sk, d.item);
            first = false;
          }
          assert.equal(out.chars, expected.length);
        }
        assert.deepEqual(out.take(), Buffer.from(expected, 'utf8'));
      }),
      { numRuns: 300 },
    );
  });
});
