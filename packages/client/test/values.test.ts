/** Values: base64 exactly as the contract's (standard, padded), UTF-8 text and JSON helpers. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { K2vError } from '../src/errors.js';
import { decodeBase64, encodeBase64, isLive, json, text, toBytes } from '../src/values.js';

describe('base64', () => {
  it('encodes and decodes like Buffer for every length 0..70 and random bytes', () => {
    for (let n = 0; n <= 70; n++) {
      const bytes = new Uint8Array(randomBytes(n));
      const b64 = Buffer.from(bytes).toString('base64');
      assert.equal(encodeBase64(bytes), b64, `length ${n}`);
      assert.deepEqual(decodeBase64(b64), bytes, `length ${n}`);
    }
  });

  it('refuses what is not standard padded base64 with InvalidResponse', () => {
    for (const bad of ['A', 'AB', 'ABC', 'AB=C', 'ab-_', 'abc\u00e9', '====', 'A===']) {
      assert.throws(() => decodeBase64(bad), (e: unknown) => e instanceof K2vError && e.code === 'InvalidResponse', bad);
    }
  });
});

describe('text and JSON', () => {
  it('strings are written as UTF-8; text and json read them back', () => {
    const s = 'é€😀 {"a":1}';
    assert.deepEqual(toBytes(s), new Uint8Array(Buffer.from(s, 'utf8')));
    assert.equal(text(toBytes(s)), s);
    assert.deepEqual(json(toBytes('{"tags":["x"]}')), { tags: ['x'] });
    assert.throws(() => json(toBytes('not json')), SyntaxError);
  });

  it('bytes are passed through; bytes in a SharedArrayBuffer are copied', () => {
    const b = new Uint8Array([1, 2, 3]);
    assert.equal(toBytes(b), b);
    const shared = new Uint8Array(new SharedArrayBuffer(2));
    shared[0] = 7;
    const copied = toBytes(shared);
    assert.ok(copied.buffer instanceof ArrayBuffer);
    assert.deepEqual([...copied], [7, 0]);
  });

  it('isLive keeps values, drops tombstones', () => {
    assert.deepEqual([new Uint8Array([1]), null].filter(isLive), [new Uint8Array([1])]);
  });
});
