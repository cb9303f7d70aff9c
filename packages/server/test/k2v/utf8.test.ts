import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import { compareUtf8, isWellFormed, utf8Bytes } from '../../src/k2v/utf8.js';
import { keyArb } from './sim.js';

const sign = (x: number): number => (x < 0 ? -1 : x > 0 ? 1 : 0);
const byteOrder = (a: string, b: string): number => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
const anyKey = fc.oneof(keyArb, fc.string({ unit: 'binary', maxLength: 6 }), fc.string({ maxLength: 6 }));

describe('compareUtf8', () => {
  it('agrees with the order of UTF-8 bytes', () => {
    fc.assert(
      fc.property(anyKey, anyKey, (a, b) => {
        assert.equal(sign(compareUtf8(a, b)), byteOrder(a, b));
      }),
      { numRuns: 2000 },
    );
  });

  it('puts astral characters after U+E000..U+FFFF, unlike JS <', () => {
    assert.ok('\u{1f600}' < '\uffff');
    assert.ok(compareUtf8('\u{1f600}', '\uffff') > 0);
    assert.ok(compareUtf8('\ue000', '\ud7ff') > 0);
    assert.ok(compareUtf8('a\u{10000}', 'a\u{10001}') < 0);
    assert.ok(compareUtf8('\u{10ffff}', '\u{10000}') > 0);
    assert.equal(compareUtf8('abc', 'abc'), 0);
    assert.ok(compareUtf8('ab', 'abc') < 0);
    assert.ok(compareUtf8('', 'a') < 0);
  });

  it('is a total order usable by sort', () => {
    fc.assert(
      fc.property(fc.array(anyKey, { maxLength: 20 }), (keys) => {
        const ours = [...keys].sort(compareUtf8);
        const ref = [...keys].sort(byteOrder);
        assert.deepEqual(ours, ref);
      }),
    );
  });
});

describe('utf8Bytes', () => {
  it('is the UTF-8 encoding', () => {
    fc.assert(
      fc.property(anyKey, (s) => {
        assert.deepEqual(Buffer.from(utf8Bytes(s)), Buffer.from(s, 'utf8'));
      }),
    );
    assert.deepEqual([...utf8Bytes('\u00e9\u{1f600}')], [0xc3, 0xa9, 0xf0, 0x9f, 0x98, 0x80]);
  });
});

describe('isWellFormed', () => {
  it('rejects lone surrogates only', () => {
    assert.ok(isWellFormed(''));
    assert.ok(isWellFormed('a\u{1f600}b'));
    assert.ok(!isWellFormed('\ud800'));
    assert.ok(!isWellFormed('a\udc00'));
    assert.ok(!isWellFormed('\ud800a'));
    assert.ok(!isWellFormed('\udc00\ud800'));
    assert.ok(!isWellFormed('\u{1f600}\ud83d'));
  });

  it('agrees with String.prototype.isWellFormed', () => {
    const native = (s: string): boolean => (s as unknown as { isWellFormed(): boolean }).isWellFormed();
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('a', '\ud800', '\udbff', '\udc00', '\udfff', '\ue000'), maxLength: 8 }), (s) => {
        assert.equal(isWellFormed(s), native(s));
      }),
      { numRuns: 1000 },
    );
  });
});
