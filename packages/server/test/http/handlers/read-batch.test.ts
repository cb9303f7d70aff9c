import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { queryHead } from '../../../src/http/handlers/read-batch.js';

const text = fc.option(fc.string({ unit: 'binary', maxLength: 20 }), { nil: undefined });
const query = fc.record({
  partitionKey: fc.string({ unit: 'binary', maxLength: 20 }),
  prefix: text,
  start: text,
  end: text,
  limit: fc.option(fc.oneof(fc.nat(), fc.constantFrom(0, 2 ** 53 - 1)), { nil: undefined }),
  reverse: fc.boolean(),
  singleItem: fc.boolean(),
  conflictsOnly: fc.boolean(),
  tombstones: fc.boolean(),
});

describe('ReadBatch query head', () => {
  it('is the text JSON.stringify gives the echoed fields, in the contract order, opening items', () => {
    fc.assert(
      fc.property(query, (q) => {
        const head = JSON.stringify({
          partitionKey: q.partitionKey,
          prefix: q.prefix ?? null,
          start: q.start ?? null,
          end: q.end ?? null,
          limit: q.limit ?? null,
          reverse: q.reverse,
          singleItem: q.singleItem,
          conflictsOnly: q.conflictsOnly,
          tombstones: q.tombstones,
        });
        assert.equal(queryHead(q), head.slice(0, -1) + ',"items":[');
      }),
      { numRuns: 2000 },
    );
  });
});
