/**
 * How items and counters are named in the PostgreSQL schema (schema.ts): a bucket id as its 32
 * bytes, a partition as `part` = SHA-256(bucket id ‖ 0x00 ‖ pk) (all 32 bytes: an accidental
 * collision of two partitions is out of reach, and the partition key itself is in every item
 * record), keys as their UTF-8 bytes. Node ids are u64 in the tokens and `bigint` (i64) columns.
 */
import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import { bucketBytes } from '../lmdb/keys.js';

export { bucketBytes };

/**
 * The longest keys the schema holds: a btree entry must fit in a third of an 8 KiB page
 * (2704 bytes); the item key is `part` (32 bytes) and the sort key, the counter key the bucket
 * (32 bytes) and the partition key, and a NOTIFY payload (8000 bytes) carries both in base64.
 */
export const PG_KEY_LIMITS = { maxPartitionKeyBytes: 2048, maxSortKeyBytes: 2048 } as const;

export function partOf(bucket: Buffer, pk: string): Buffer {
  return createHash('sha256').update(bucket).update(Buffer.from([0])).update(pk, 'utf8').digest();
}

export function utf8(s: string): Buffer {
  return Buffer.from(s, 'utf8');
}

/** u64 node id -> the i64 stored in a bigint column (two's complement), and back. */
export function nodeToDb(node: bigint): bigint {
  return BigInt.asIntN(64, node);
}

export function nodeFromDb(v: bigint): bigint {
  return BigInt.asUintN(64, v);
}

/** The smallest byte string greater than every string beginning with `prefix`, if any. */
export function afterPrefix(prefix: Buffer): Buffer | undefined {
  let n = prefix.length;
  while (n > 0 && prefix[n - 1] === 0xff) n--;
  if (n === 0) return undefined;
  const out = Buffer.from(prefix.subarray(0, n));
  out[n - 1] = out[n - 1]! + 1;
  return out;
}
