import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import {
  decodeBase64Strict,
  decodeBase64StrictInto,
  decodeBase64UrlStrict,
  encodeBase64,
  encodeBase64Url,
  writeBase64,
} from '../../src/k2v/base64.js';

describe('strict base64', () => {
  it('round-trips any bytes, both alphabets', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
        assert.deepEqual(decodeBase64UrlStrict(encodeBase64Url(b)), b);
        assert.deepEqual(decodeBase64Strict(encodeBase64(b)), b);
      }),
    );
  });

  it('encodes a subarray, not its whole buffer', () => {
    const whole = new Uint8Array([1, 2, 3, 4, 5]);
    assert.equal(encodeBase64Url(whole.subarray(1, 3)), Buffer.from([2, 3]).toString('base64url'));
  });

  it('rejects what Buffer would silently accept', () => {
    assert.equal(decodeBase64UrlStrict('AQ=='), undefined);
    assert.equal(decodeBase64UrlStrict('A+8'), undefined);
    assert.equal(decodeBase64UrlStrict('AR'), undefined); // trailing bits
    assert.equal(decodeBase64UrlStrict('A'), undefined);
    assert.equal(decodeBase64UrlStrict('AQ AQ'), undefined);
    assert.equal(decodeBase64Strict('AQ'), undefined); // missing padding
    assert.equal(decodeBase64Strict('AR=='), undefined);
    assert.equal(decodeBase64Strict('A-8='), undefined);
    assert.equal(decodeBase64Strict('AQ==AQ=='), undefined);
    assert.equal(decodeBase64Strict('AQ\n=='), undefined);
    assert.deepEqual(decodeBase64Strict(''), new Uint8Array());
  });

  it('accepts exactly the canonical texts', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'AQgw_-+/=Z9 '.split('')), maxLength: 12 }), (s) => {
        const url = decodeBase64UrlStrict(s);
        if (url !== undefined) assert.equal(Buffer.from(url).toString('base64url'), s);
        const std = decodeBase64Strict(s);
        if (std !== undefined) assert.equal(Buffer.from(std).toString('base64'), s);
      }),
      { numRuns: 500 },
    );
  });
});

describe('strict standard base64: accepted if and only if canonical', () => {
  it('on texts of both alphabets, padding anywhere, whitespace and non-ASCII characters', () => {
    const units = [...'AQgwZ9+/=-_ .\t\n', '\u00e9', '\u0100', '\u{1F600}'];
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...units), maxLength: 24 }), (s) => {
        const canonical = Buffer.from(s, 'base64').toString('base64') === s;
        assert.equal(decodeBase64Strict(s) !== undefined, canonical, JSON.stringify(s));
      }),
      { numRuns: 5_000 },
    );
  });

  it('on encodings of random bytes with one character replaced', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 40 }), fc.nat(), fc.constantFrom(...'=-_ .*A/'), (b, at, c) => {
        const text = Buffer.from(b).toString('base64');
        const i = at % text.length;
        const s = text.slice(0, i) + c + text.slice(i + 1);
        const canonical = Buffer.from(s, 'base64').toString('base64') === s;
        assert.equal(decodeBase64Strict(s) !== undefined, canonical, JSON.stringify(s));
      }),
      { numRuns: 5_000 },
    );
  });
});

describe('writeBase64', () => {
  it("writes Buffer's text for any bytes, both alphabets, at any offsets", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 70 }), fc.nat(5), fc.nat(5), fc.boolean(), (b, pre, at, url) => {
        const src = Buffer.concat([Buffer.alloc(pre, 7), b, Buffer.alloc(3, 9)]);
        const out = Buffer.alloc(at + 100, 0x2e);
        const end = writeBase64(src, pre, pre + b.length, out, at, url);
        const expected = Buffer.from(b).toString(url ? 'base64url' : 'base64');
        assert.equal(end - at, expected.length);
        assert.equal(out.toString('latin1', at, end), expected);
        assert.equal(out[end], 0x2e, 'nothing written past the end');
      }),
      { numRuns: 500 },
    );
  });

  it('into views of larger buffers, alternating between them, as responses do', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.uint8Array({ maxLength: 40 }), fc.nat(1)), { maxLength: 8 }), fc.nat(9), (values, off) => {
        const backings = [Buffer.alloc(off + 600, 0x2e), Buffer.alloc(off + 600, 0x2e)];
        const outs = backings.map((b) => b.subarray(off, off + 500));
        const ends = [0, 0];
        const texts = ['', ''];
        for (const [v, which] of values) {
          ends[which] = writeBase64(v, 0, v.length, outs[which]!, ends[which]!, false);
          texts[which] += Buffer.from(v).toString('base64');
        }
        for (const w of [0, 1]) {
          assert.equal(outs[w]!.toString('latin1', 0, ends[w]), texts[w]);
          assert.ok(backings[w]!.subarray(0, off).every((c) => c === 0x2e), 'nothing written before the view');
          assert.equal(outs[w]![ends[w]!], 0x2e);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('strict base64 from bytes', () => {
  it('decodes exactly what decodeBase64Strict decodes, and refuses what it refuses', () => {
    const text = fc.oneof(
      fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b).toString('base64')),
      fc.string({ unit: fc.constantFrom('A', 'Q', 'B', 'w', '+', '/', '=', '-', '_', ' ', '"', '\\', '\u00e9'), maxLength: 16 }),
    );
    fc.assert(
      fc.property(text, fc.nat(4), (s, at) => {
        const src = Buffer.concat([Buffer.from('x"'), Buffer.from(s, 'latin1'), Buffer.from('"')]);
        const out = new Uint8Array(at + ((s.length >> 2) * 3));
        const n = decodeBase64StrictInto(src, 2, 2 + s.length, out, at);
        const expected = decodeBase64Strict(s);
        if (expected === undefined) assert.equal(n, -1);
        else assert.deepEqual(out.subarray(at, at + n), expected);
      }),
      { numRuns: 20000 },
    );
  });
});
