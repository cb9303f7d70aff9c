/**
 * Shared pieces of the Store contract suite (store.case.ts): the factory a backend provides and
 * small helpers to write and inspect items.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { causalContext, values, type DvvsItem, type VectorClock } from '../../src/k2v/dvvs.js';
import { addCounts, countsOf, isZeroCounts, ZERO_COUNTS, type IndexCounts } from '../../src/k2v/index-counts.js';
import { StoreError, type StoreErrorCode } from '../../src/store/errors.js';
import type { ItemView } from '../../src/store/item-view.js';
import type { ItemWrite, PageScan, Snapshot, Store } from '../../src/store/store.js';
import type { PeerLink } from '../../src/store/lmdb/peer-processes.js';

export interface SuiteStoreOptions {
  /** Injected wall clock, ms since the epoch. */
  readonly now?: () => number;
  readonly tombstoneGcDelayMs?: number;
  readonly maxValuesPerItem?: number;
}

export interface StoreUnderTest {
  /** The store currently open (replaced by `restart`). */
  readonly store: Store;
  /** Closes the store and removes its data. */
  cleanup(): Promise<void>;
  /** Closes the store and opens it again on the same data and options; absent if unsupported. */
  restart?(): Promise<Store>;
  /** One tombstone GC pass; absent if the backend has no way to force one. */
  gcOnce?(): Promise<number>;
}

export type NewStore = (opts?: SuiteStoreOptions) => Promise<StoreUnderTest>;

const enc = new TextEncoder();
const dec = new TextDecoder();

/** A worker's link to peers that never speak (one process driving a worker slot alone). */
export const SILENT_PEERS: PeerLink = { send: () => undefined, onChanges: () => undefined, onPeerDied: () => undefined };

export function newBucketId(): string {
  return randomBytes(32).toString('hex');
}

export function bytes(s: string): Uint8Array {
  return enc.encode(s);
}

/** A stored item as the port hands it out (a view) or decoded. */
export type AnyItem = ItemView | DvvsItem;

function decoded(item: AnyItem): DvvsItem {
  return 'toItem' in item ? item.toItem() : item;
}

/** The item's values as text, tombstones as null (contract order, de-duplicated). */
export function texts(item: AnyItem | undefined): (string | null)[] | undefined {
  return item === undefined ? undefined : values(decoded(item)).map((v) => (v === null ? null : dec.decode(v)));
}

export function put(pk: string, sk: string, value: string | null, ct?: VectorClock): ItemWrite {
  return { pk, sk, ct, value: value === null ? null : bytes(value) };
}

export function ctOf(item: AnyItem | undefined): VectorClock {
  assert.ok(item !== undefined, 'item exists');
  return causalContext(decoded(item));
}

export async function rejectsWith(p: Promise<unknown>, code: StoreErrorCode): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof StoreError, `expected a StoreError, got ${String(err)}`);
    assert.equal(err.code, code);
    return true;
  });
}

/** Every entry of a scan, pages flattened (each page checked non-empty). */
export async function collect<T>(scan: PageScan<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const page of scan) {
    assert.ok(page.length > 0, 'pages are never empty');
    out.push(...page);
  }
  return out;
}

/** All items of one partition through a fresh snapshot, in order, decoded. */
export function listItems(store: Store, bucketId: string, pk: string, reverse = false): Promise<{ sk: string; item: DvvsItem }[]> {
  return store.read(async (snap) => (await collect(snap.scanItems(bucketId, pk, { reverse }))).map((v) => ({ sk: v.sk, item: v.toItem() })));
}

export function listIndex(store: Store, bucketId: string): Promise<Map<string, IndexCounts>> {
  return store.read(async (snap) => new Map((await collect(snap.scanIndex(bucketId, { reverse: false }))).map((e) => [e.pk, e.counts])));
}

/** Checks that the stored counters equal the counts recomputed from the items themselves. */
export async function assertCountersExact(snap: Snapshot, bucketId: string, pks: readonly string[]): Promise<void> {
  const index = new Map((await collect(snap.scanIndex(bucketId, { reverse: false }))).map((e) => [e.pk, e.counts]));
  for (const pk of pks) {
    let expected = ZERO_COUNTS;
    for (const v of await collect(snap.scanItems(bucketId, pk, { reverse: false }))) expected = addCounts(expected, countsOf(v.toItem()));
    if (isZeroCounts(expected)) assert.equal(index.has(pk), false, `partition ${pk} with zero counts is not listed`);
    else assert.deepEqual(index.get(pk), expected, `counters of partition ${pk}`);
  }
}

/** The timestamp this node gave an item's latest write. */
export function nodeTimeOf(store: Store, item: AnyItem | undefined): bigint {
  const t = ctOf(item).get(store.nodeId);
  assert.ok(t !== undefined, 'item has an entry for this node');
  return t;
}
