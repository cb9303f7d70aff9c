/**
 * Whole-bucket checks for the load tests: every item of the given partitions (ReadBatch with
 * tombstones, no limit), and the ReadIndex counters compared with a recount of those items.
 */
import assert from 'node:assert/strict';
import { addItem, fromWire, isZero, zeroCounts, type Counts, type Val } from './item-model.js';
import { describe, type SignedClient } from './signed-client.js';

/** partition key -> sort key -> values, as ReadBatch lists them. */
export type BucketItems = Map<string, Map<string, Val[]>>;

export async function readPartitions(client: SignedClient, bucket: string, pks: readonly string[]): Promise<BucketItems> {
  const res = await client.request({
    method: 'POST',
    path: `/${bucket}?search`,
    body: JSON.stringify(pks.map((partitionKey) => ({ partitionKey, tombstones: true }))),
  });
  assert.equal(res.status, 200, `ReadBatch: ${describe(res)}`);
  const parts = JSON.parse(res.body.toString('utf8')) as {
    partitionKey: string;
    more: boolean;
    items: { sk: string; v: (string | null)[] }[];
  }[];
  const out: BucketItems = new Map();
  for (const part of parts) {
    assert.equal(part.more, false, `ReadBatch of ${part.partitionKey} without a limit must be complete`);
    out.set(part.partitionKey, new Map(part.items.map((it) => [it.sk, fromWire(it.v)])));
  }
  return out;
}

/** Asserts that ReadIndex over the whole bucket lists exactly the recount of `items`. */
export async function assertIndexMatches(client: SignedClient, bucket: string, items: BucketItems): Promise<number> {
  const res = await client.request({ path: `/${bucket}` });
  assert.equal(res.status, 200, `ReadIndex: ${describe(res)}`);
  const index = JSON.parse(res.body.toString('utf8')) as { more: boolean; partitionKeys: ({ pk: string } & Counts)[] };
  assert.equal(index.more, false);
  const expected = [...items.entries()]
    .map(([pk, part]) => {
      const c = zeroCounts();
      for (const state of part.values()) addItem(c, state);
      return { pk, ...c };
    })
    .filter((c) => !isZero(c))
    .sort((a, b) => Buffer.compare(Buffer.from(a.pk), Buffer.from(b.pk)));
  assert.deepEqual(index.partitionKeys, expected, 'ReadIndex counters against a recount of the items');
  return index.partitionKeys.length;
}
