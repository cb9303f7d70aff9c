/**
 * Key layout of the `k2v` LMDB database (raw binary keys, compared bytewise by LMDB):
 *
 *   INFO      00 | name (ASCII)                        node ids and `last` timestamps (one pair
 *                                                       per worker slot), format version, the
 *                                                       last transaction's id (several workers)
 *   ITEM      01 | H(bucket, pk) (16 B) | sk UTF-8      encoded item (src/store/item-codec.ts)
 *   COUNTER   02 | bucket id (32 B) | pk UTF-8          encoded IndexCounts, only when non-zero
 *   BUCKET    03 | bucket id (32 B)                     number of items (tombstones included)
 *   GC        04 | tombstonedAt (u64 BE) | item key     bucket id (32 B): tombstone-only items
 *
 * Items: each partition is one contiguous range ordered by sort-key bytes, as ReadBatch needs,
 * without escaping the partition key (length-prefixing it would break nothing here, but would cost
 * the whole partition key in every item key). H is the first 16 bytes of SHA-256(bucket id ||
 * 0x00 || pk): 128 bits make an accidental collision of two partitions negligible (~2^-64 at 2^32
 * partitions); pk and sk are kept in the value too. The index (ReadIndex) needs partitions in pk
 * byte order, so counters keep the partition key itself.
 *
 * LMDB's maximum key size (lmdb-js 3.x, 4 KiB pages) is 1978 bytes, which gives the real limits
 * below: a sort key up to 1952 bytes (bounded by the GC key) and a partition key up to 1945 bytes
 * (bounded by the counter key). Garage on LMDB accepts sort keys up to 479 bytes.
 */
import { Buffer } from 'node:buffer';
import crypto, { createHash } from 'node:crypto';

export const MAX_LMDB_KEY_BYTES = 1978;

const TAG_INFO = 0x00;
const TAG_ITEM = 0x01;
const TAG_COUNTER = 0x02;
const TAG_BUCKET = 0x03;
const TAG_GC = 0x04;

const PARTITION_HASH_BYTES = 16;
/** Length of an item key without its sort key. */
export const ITEM_PREFIX_BYTES = 1 + PARTITION_HASH_BYTES;
const GC_PREFIX_BYTES = 1 + 8;

export const MAX_SORT_KEY_BYTES = MAX_LMDB_KEY_BYTES - GC_PREFIX_BYTES - ITEM_PREFIX_BYTES;
export const MAX_PARTITION_KEY_BYTES = MAX_LMDB_KEY_BYTES - 1 - 32;

/**
 * A byte after every key that extends a prefix: UTF-8 never contains 0xFF, so `prefix | FF` is
 * greater than every item key of a partition and every counter key of a bucket.
 */
const AFTER_UTF8 = 0xff;

export const NODE_ID_KEY = Buffer.from([TAG_INFO, ...Buffer.from('node')]);
export const LAST_KEY = Buffer.from([TAG_INFO, ...Buffer.from('last')]);
export const FORMAT_KEY = Buffer.from([TAG_INFO, ...Buffer.from('format')]);
/** The id of the last write transaction (commit-stamp.ts); only with several worker processes. */
export const COMMIT_STAMP_KEY = Buffer.from([TAG_INFO, ...Buffer.from('commit')]);
/** Every node id key sorts between NODE_ID_KEY (slot 0's) and this. */
export const NODE_IDS_END = Buffer.from([...NODE_ID_KEY, AFTER_UTF8]);

/**
 * A worker slot's node id and clock (`k2v server --workers`): slot 0 keeps the keys a single
 * server has always used, slot i > 0 appends `.i`, so the node ids of one store are one range.
 */
export function nodeIdKey(slot: number): Buffer {
  return slot === 0 ? NODE_ID_KEY : Buffer.concat([NODE_ID_KEY, Buffer.from(`.${slot}`)]);
}

export function lastKey(slot: number): Buffer {
  return slot === 0 ? LAST_KEY : Buffer.concat([LAST_KEY, Buffer.from(`.${slot}`)]);
}

/** The `last` key paired with a node id key (same slot suffix). */
export function lastKeyOfNodeKey(nodeKey: Buffer): Buffer {
  return Buffer.concat([LAST_KEY, nodeKey.subarray(NODE_ID_KEY.length)]);
}

const HEX64 = /^[0-9a-f]{64}$/;

/** The 32 raw bytes of a bucket id (64 lower-case hex characters). */
export function bucketBytes(bucketId: string): Buffer {
  if (!HEX64.test(bucketId)) throw new TypeError(`bucket id must be 64 lower-case hex characters: ${bucketId}`);
  return Buffer.from(bucketId, 'hex');
}

// Every item read and write hashes its partition: one-shot hashing (Node >= 20.12) over one
// reused buffer costs about half of a Hash object fed three times (bench: docs/performance.md).
const sha256: (data: Uint8Array) => Buffer =
  typeof crypto.hash === 'function'
    ? (data) => crypto.hash('sha256', data, 'buffer')
    : (data) => createHash('sha256').update(data).digest();
// Module-level scratch of hashPartition: safe only while it fills and hashes it synchronously.
let hashInput = Buffer.allocUnsafe(1024);
let checkedBucketId = '';

/**
 * Partitions are hot (a mailbox's log and message partitions take every read and write of it):
 * the last few thousand prefixes are kept, which spares ~1.1 µs of hashing per operation on a hit
 * for ~0.2 µs of lookup. First in, first out: no bookkeeping on a hit. The buffers handed out are
 * shared, and no caller writes into them (keys are built by copying them).
 */
const PREFIX_CACHE_ENTRIES = 4096;
/** Longer partition keys are hashed every time: the cache stays a few MB at most. */
const PREFIX_CACHE_MAX_PK_CHARS = 256;
const prefixCache = new Map<string, Buffer>();

/** The key prefix shared by every item of one partition. */
export function partitionPrefix(bucketId: string, pk: string): Buffer {
  // With the bucket id's fixed length (64), the concatenation names one (bucket, pk); any other
  // length is invalid and goes to hashPartition to be refused.
  if (pk.length > PREFIX_CACHE_MAX_PK_CHARS || bucketId.length !== 64) return hashPartition(bucketId, pk);
  const cacheKey = bucketId + pk;
  const hit = prefixCache.get(cacheKey);
  if (hit !== undefined) return hit;
  const prefix = hashPartition(bucketId, pk);
  prefixCache.set(cacheKey, prefix);
  if (prefixCache.size > PREFIX_CACHE_ENTRIES) prefixCache.delete(prefixCache.keys().next().value!);
  return prefix;
}

function hashPartition(bucketId: string, pk: string): Buffer {
  if (bucketId !== checkedBucketId) {
    bucketBytes(bucketId);
    checkedBucketId = bucketId;
  }
  // bucket id (32 bytes) | 0x00 | pk UTF-8; a UTF-16 code unit never takes more than 3 UTF-8 bytes.
  if (hashInput.length < 33 + 3 * pk.length) hashInput = Buffer.allocUnsafe(33 + 3 * pk.length);
  hashInput.write(bucketId, 0, 'hex');
  hashInput[32] = 0;
  const pkBytes = hashInput.write(pk, 33, 'utf8');
  const h = sha256(hashInput.subarray(0, 33 + pkBytes));
  const out = Buffer.allocUnsafe(ITEM_PREFIX_BYTES);
  out[0] = TAG_ITEM;
  h.copy(out, 1, 0, PARTITION_HASH_BYTES);
  return out;
}

export function itemKey(prefix: Buffer, sk: string): Buffer {
  const skLen = Buffer.byteLength(sk, 'utf8');
  checkKeySize(ITEM_PREFIX_BYTES + GC_PREFIX_BYTES + skLen, 'sort key', skLen, MAX_SORT_KEY_BYTES);
  const out = Buffer.allocUnsafe(ITEM_PREFIX_BYTES + skLen);
  prefix.copy(out, 0);
  if (skLen === sk.length) {
    // All ASCII (one byte per code unit): a byte loop is cheaper than Buffer#write for short keys.
    for (let i = 0; i < skLen; i++) out[ITEM_PREFIX_BYTES + i] = sk.charCodeAt(i);
  } else {
    out.write(sk, ITEM_PREFIX_BYTES, 'utf8');
  }
  return out;
}

/** Key bytes where an item scan starts: the prefix followed by the given sort key bytes. */
export function withSuffix(prefix: Buffer, suffix: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(prefix.length + suffix.length);
  prefix.copy(out, 0);
  out.set(suffix, prefix.length);
  return out;
}

/** `prefix | FF`: where a reverse scan of everything under `prefix` starts. */
export function afterPrefix(prefix: Buffer): Buffer {
  const out = Buffer.allocUnsafe(prefix.length + 1);
  prefix.copy(out, 0);
  out[prefix.length] = AFTER_UTF8;
  return out;
}

/** Length of a counter key without its partition key. */
export const COUNTER_PREFIX_BYTES = 1 + 32;

export function counterPrefix(bucket: Buffer): Buffer {
  const out = Buffer.allocUnsafe(COUNTER_PREFIX_BYTES);
  out[0] = TAG_COUNTER;
  bucket.copy(out, 1);
  return out;
}

export function counterKey(bucket: Buffer, pk: string): Buffer {
  const pkLen = Buffer.byteLength(pk, 'utf8');
  checkKeySize(33 + pkLen, 'partition key', pkLen, MAX_PARTITION_KEY_BYTES);
  const out = Buffer.allocUnsafe(33 + pkLen);
  out[0] = TAG_COUNTER;
  bucket.copy(out, 1);
  out.write(pk, 33, 'utf8');
  return out;
}

export function bucketCountKey(bucket: Buffer): Buffer {
  const out = Buffer.allocUnsafe(33);
  out[0] = TAG_BUCKET;
  bucket.copy(out, 1);
  return out;
}

export function gcKey(tombstonedAt: bigint, itemKeyBytes: Buffer): Buffer {
  const out = Buffer.allocUnsafe(GC_PREFIX_BYTES + itemKeyBytes.length);
  out[0] = TAG_GC;
  out.writeBigUInt64BE(tombstonedAt, 1);
  itemKeyBytes.copy(out, GC_PREFIX_BYTES);
  return out;
}

/** The first GC key (inclusive) and the key above every GC record up to `t` (exclusive). */
export function gcRange(tUpTo: bigint): { start: Buffer; end: Buffer } {
  const start = Buffer.of(TAG_GC);
  const end = Buffer.allocUnsafe(GC_PREFIX_BYTES);
  end[0] = TAG_GC;
  end.writeBigUInt64BE(tUpTo + 1n, 1);
  return { start, end };
}

export function parseGcKey(key: Buffer): { tombstonedAt: bigint; itemKey: Buffer } {
  return { tombstonedAt: key.readBigUInt64BE(1), itemKey: key.subarray(GC_PREFIX_BYTES) };
}

function checkKeySize(total: number, what: string, len: number, max: number): void {
  if (total > MAX_LMDB_KEY_BYTES) {
    throw new RangeError(`${what} of ${len} bytes exceeds the store's limit of ${max} bytes`);
  }
}
