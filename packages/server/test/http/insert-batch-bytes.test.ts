import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { DEFAULT_LIMITS, type Limits } from '../../src/config/limits.js';
import { readInsertBatchBytes } from '../../src/http/insert-batch-bytes.js';
import { readInsertBatchJson } from '../../src/http/insert-batch-body.js';
import { encodeCausalityToken } from '../../src/k2v/causality-token.js';

// Small limits, so that generated bodies cross each of them.
const limits: Limits = { ...DEFAULT_LIMITS, maxBatchEntries: 5, maxPartitionKeyBytes: 6, maxSortKeyBytes: 6, maxValueBytes: 5 };

const key = fc.oneof(
  fc.string({ unit: fc.constantFrom('a', 'b', '0', ' ', '~', '"', '\\'), maxLength: 8 }),
  fc.string({ unit: 'binary', maxLength: 8 }),
  fc.constantFrom('p', 'pk1', '\ud800', 'é', '\u007f', '\u0000'),
);
const token = fc.oneof(
  fc.constant(encodeCausalityToken(new Map([[1n, 5n]]))),
  fc.constant(encodeCausalityToken(new Map([[7n, 1n], [9n, 2n]]))),
  fc.string({ unit: fc.constantFrom('A', 'b', '-', '_', '='), maxLength: 30 }),
);
const base64 = fc.oneof(
  fc.uint8Array({ maxLength: 7 }).map((b) => Buffer.from(b).toString('base64')),
  fc.string({ unit: fc.constantFrom('A', 'Q', 'w', '+', '/', '=', '-', '_', ' ', '\\', 'é'), maxLength: 12 }),
);
const field = <T>(arb: fc.Arbitrary<T>) => fc.option(fc.option(arb, { nil: null }), { nil: undefined });
const item = fc.record(
  {
    pk: fc.oneof(key, fc.constant(3), fc.constant(null)),
    sk: fc.oneof(key, fc.constant(true)),
    ct: field(token),
    v: field(base64),
    x: fc.constant(1),
  },
  { requiredKeys: [] },
);
const asciiKey = fc.string({ unit: fc.constantFrom('a', '0', ' ', '~'), maxLength: 8 });
/** Items most clients send; some cross the limits. */
const plainItem = fc.record({
  pk: asciiKey,
  sk: asciiKey,
  ct: fc.option(token, { nil: null }),
  v: fc.option(fc.uint8Array({ maxLength: 7 }).map((b) => Buffer.from(b).toString('base64')), { nil: null }),
});
const spacing = fc.constantFrom('', ' ', '\n\t', '\r ');
/** Text edits that keep the JSON valid: an escaped name, a field given twice. */
const edit = fc.constantFrom<[string, string]>(['', ''], ['k', '\\u006b'], ['"sk"', '"pk"'], ['"v"', '"ct"'], ['"ct"', '"x"']);
/** JSON of the items, spaced (or not) between tokens. */
const body = fc
  .tuple(
    fc.oneof(fc.array(fc.oneof({ arbitrary: plainItem, weight: 4 }, { arbitrary: item, weight: 1 }), { maxLength: 7 }), fc.constant({}), fc.constant(null)),
    spacing,
    edit,
  )
  .map(([items, space, [from, to]]) => Buffer.from(JSON.stringify(items, null, space === '' ? undefined : space).replace(from, to)));
/** A body, then some bytes replaced, inserted or cut. */
const mutated = fc
  .tuple(body, fc.array(fc.tuple(fc.nat(), fc.constantFrom(0x22, 0x2c, 0x5c, 0x7d, 0x5d, 0x20, 0x00, 0xc3, 0xef, 0x41, 0x3d), fc.constantFrom('set', 'insert', 'cut')), { maxLength: 3 }))
  .map(([b, edits]) => {
    let out = Buffer.from(b);
    for (const [at, byte, op] of edits) {
      const i = out.length === 0 ? 0 : at % out.length;
      if (op === 'set' && out.length > 0) out[i] = byte;
      else if (op === 'insert') out = Buffer.concat([out.subarray(0, i), Buffer.of(byte), out.subarray(i)]);
      else out = out.subarray(0, i);
    }
    return out;
  });

function general(b: Buffer): { writes: unknown } | { error: unknown } {
  try {
    return { writes: readInsertBatchJson(b, limits) };
  } catch (error) {
    return { error };
  }
}

describe('InsertBatch bodies read from bytes', () => {
  it('give the writes of the general path, or leave the body to it', () => {
    fc.assert(
      fc.property(fc.oneof(body, mutated), (b) => {
        const fast = readInsertBatchBytes(b, limits);
        if (fast === undefined) return;
        const g = general(b);
        assert.ok('writes' in g, `the general path refuses ${b.toString('latin1')}: ${String('error' in g && g.error)}`);
        assert.deepStrictEqual(fast, g.writes);
      }),
      { numRuns: 20000 },
    );
  });

  it('read the bodies clients send (JSON.stringify of ASCII keys and base64 values)', () => {
    const ok = fc.record({
      pk: fc.string({ unit: fc.constantFrom('a', '0', ' ', '~'), maxLength: 6 }),
      sk: fc.string({ unit: fc.constantFrom('a', '0', ' ', '~'), maxLength: 6 }),
      ct: fc.option(fc.constant(encodeCausalityToken(new Map([[1n, 5n]]))), { nil: null }),
      v: fc.option(fc.uint8Array({ maxLength: 5 }).map((v) => Buffer.from(v).toString('base64')), { nil: null }),
    });
    fc.assert(
      fc.property(fc.array(ok, { maxLength: 5 }), spacing, (items, space) => {
        const b = Buffer.from(JSON.stringify(items, null, space === '' ? undefined : space));
        const fast = readInsertBatchBytes(b, limits);
        assert.notEqual(fast, undefined);
        assert.deepStrictEqual(fast, readInsertBatchJson(b, limits));
      }),
    );
  });

  it('reuse one string for a repeated partition key, and keep each value to its own bytes', () => {
    const b = Buffer.from(JSON.stringify([{ pk: 'p', sk: 'a', v: 'AQI=' }, { pk: 'p', sk: 'b', v: 'Aw==' }, { pk: 'q', sk: 'c' }]));
    const w = readInsertBatchBytes(b, limits)!;
    assert.deepEqual(w.map((x) => [x.pk, x.sk, x.value === null ? null : [...x.value]]), [['p', 'a', [1, 2]], ['p', 'b', [3]], ['q', 'c', null]]);
  });
});

describe('InsertBatch bodies at the limits', () => {
  it('leave a batch over maxBatchEntries to the general path, and read one at it', () => {
    const items = (n: number) => Buffer.from(JSON.stringify(Array.from({ length: n }, (_, i) => ({ pk: 'p', sk: `s${i}`, v: 'AA==' }))));
    assert.equal(readInsertBatchBytes(items(limits.maxBatchEntries + 1), limits), undefined);
    assert.throws(() => readInsertBatchJson(items(limits.maxBatchEntries + 1), limits), /too many items/);
    assert.equal(readInsertBatchBytes(items(limits.maxBatchEntries), limits)?.length, limits.maxBatchEntries);
  });
});
