import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import { causalityTokenOfPairs, decodeCausalityToken, encodeCausalityToken } from '../../src/k2v/causality-token.js';

const U64_MAX = (1n << 64n) - 1n;
const u64 = fc.oneof(fc.bigInt(0n, U64_MAX), fc.constantFrom(0n, 1n, U64_MAX, U64_MAX - 1n, 1n << 63n));
const clockArb = fc.array(fc.tuple(u64, u64), { maxLength: 8 }).map((pairs) => new Map(pairs));

/** Builds raw token bytes from pairs in the given order, with the given checksum. */
function rawToken(pairs: [bigint, bigint][], checksum?: bigint): string {
  const buf = Buffer.alloc(8 + 16 * pairs.length);
  let x = 0n;
  pairs.forEach(([n, t], i) => {
    buf.writeBigUInt64BE(n, 8 + 16 * i);
    buf.writeBigUInt64BE(t, 16 + 16 * i);
    x ^= n ^ t;
  });
  buf.writeBigUInt64BE(checksum ?? x, 0);
  return buf.toString('base64url');
}

describe('causality token', () => {
  it('from pairs laid out in a buffer: the same text as from the clock', () => {
    fc.assert(
      fc.property(clockArb, fc.uint8Array({ minLength: 8, maxLength: 8 }), (vc, junk) => {
        const nodes = [...vc.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
        const buf = Buffer.alloc(8 + 16 * nodes.length + 5, 0x5a);
        buf.set(junk, 0); // whatever was there before: the checksum overwrites it
        nodes.forEach((n, i) => {
          buf.writeBigUInt64BE(n, 8 + 16 * i);
          buf.writeBigUInt64BE(vc.get(n)!, 16 + 16 * i);
        });
        assert.equal(causalityTokenOfPairs(buf, nodes.length), encodeCausalityToken(vc));
      }),
    );
  });

  it('round-trips random vector clocks, u64 extremes included', () => {
    fc.assert(
      fc.property(clockArb, (vc) => {
        const token = encodeCausalityToken(vc);
        assert.match(token, /^[A-Za-z0-9_-]*$/);
        assert.deepEqual(decodeCausalityToken(token), vc);
      }),
      { numRuns: 300 },
    );
  });

  it('matches the contract example', () => {
    const vc = new Map([[0x1122334455667788n, 1700000000001n]]);
    assert.equal(encodeCausalityToken(vc), 'ESIyz5qDH4kRIjNEVWZ3iAAAAYvP5WgB');
    assert.deepEqual(decodeCausalityToken('ESIyz5qDH4kRIjNEVWZ3iAAAAYvP5WgB'), vc);
  });

  it('encodes the empty context as AAAAAAAAAAA', () => {
    assert.equal(encodeCausalityToken(new Map()), 'AAAAAAAAAAA');
    assert.deepEqual(decodeCausalityToken('AAAAAAAAAAA'), new Map());
  });

  it('writes nodes in increasing order whatever the map order', () => {
    const a = new Map([[5n, 1n], [3n, 2n]]);
    const b = new Map([[3n, 2n], [5n, 1n]]);
    assert.equal(encodeCausalityToken(a), encodeCausalityToken(b));
    assert.equal(encodeCausalityToken(a), rawToken([[3n, 2n], [5n, 1n]]));
  });

  it('accepts nodes out of order on decode', () => {
    assert.deepEqual(decodeCausalityToken(rawToken([[5n, 1n], [3n, 2n]])), new Map([[3n, 2n], [5n, 1n]]));
  });

  it('keeps the last pair of a repeated node id, checksum over the decoded clock (as Garage)', () => {
    const pairs: [bigint, bigint][] = [[9n, 100n], [4n, 7n], [9n, 200n]];
    const decoded = decodeCausalityToken(rawToken(pairs, 9n ^ 200n ^ 4n ^ 7n));
    assert.deepEqual(decoded, new Map([[9n, 200n], [4n, 7n]]));
    // A checksum over every pair of the text is not Garage's and is rejected.
    assert.equal(decodeCausalityToken(rawToken(pairs)), undefined);
  });

  it('rejects padding, the standard alphabet and non-canonical trailing bits', () => {
    const good = 'ESIyz5qDH4kRIjNEVWZ3iAAAAYvP5WgB';
    assert.equal(decodeCausalityToken('AAAAAAAAAAA='), undefined);
    const dashy = encodeCausalityToken(new Map([[0xfbefbefbefbefbefn, 0n]]));
    assert.ok(dashy.includes('_') && dashy.includes('-'));
    assert.notEqual(decodeCausalityToken(dashy), undefined);
    assert.equal(decodeCausalityToken(dashy.replaceAll('_', '/')), undefined);
    assert.equal(decodeCausalityToken(dashy.replaceAll('-', '+')), undefined);
    assert.equal(decodeCausalityToken(' ' + good), undefined);
    // 11 chars carry 66 bits for 8 bytes: the last char's 2 low bits must be zero.
    assert.equal(decodeCausalityToken('AAAAAAAAAAB'), undefined);
  });

  it('rejects wrong lengths and checksum mismatches', () => {
    assert.equal(decodeCausalityToken(''), undefined);
    assert.equal(decodeCausalityToken('AAAAAAAAAA'), undefined);
    assert.equal(decodeCausalityToken(Buffer.alloc(16).toString('base64url')), undefined);
    assert.equal(decodeCausalityToken(Buffer.alloc(8 + 15).toString('base64url')), undefined);
    assert.equal(decodeCausalityToken(Buffer.alloc(8 + 17).toString('base64url')), undefined);
    assert.equal(decodeCausalityToken(rawToken([[1n, 2n]], 0n)), undefined);
    fc.assert(
      fc.property(clockArb.filter((vc) => vc.size > 0), fc.nat(), fc.integer({ min: 1, max: 255 }), (vc, pos, flip) => {
        const buf = Buffer.from(encodeCausalityToken(vc), 'base64url');
        buf[pos % buf.length]! ^= flip;
        // A flipped node id equal to another one merges two pairs; the checksum may then agree.
        const ids = new Set<bigint>();
        for (let off = 8; off < buf.length; off += 16) ids.add(buf.readBigUInt64BE(off));
        fc.pre(ids.size === vc.size);
        assert.equal(decodeCausalityToken(buf.toString('base64url')), undefined);
      }),
    );
  });

  it('never throws on random text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (s) => {
        const d = decodeCausalityToken(s);
        if (d !== undefined) assert.equal(decodeCausalityToken(encodeCausalityToken(d))?.size, d.size);
      }),
    );
  });
});
