/**
 * The human output of `k2v key` / `k2v bucket`, laid out as `garage key` / `garage bucket` print
 * theirs (same headings and permission columns), with K2V figures where Garage shows S3 ones.
 */
import { formatTable } from '../format-table.js';
import type { BucketInfo, KeyInfo, ListBucketsItem, ListKeysItem } from './admin-client.js';

const flags = (p: { read: boolean; write: boolean; owner: boolean }): string =>
  `${p.read ? 'R' : ' '}${p.write ? 'W' : ' '}${p.owner ? 'O' : ' '}`;

export function keyListTable(keys: readonly ListKeysItem[]): string {
  return 'List of keys:\n' + formatTable(keys.map((k) => `\t${k.id}\t${k.name}`));
}

export function keyInfoText(key: KeyInfo): string {
  let out = `Key name: ${key.name}\nKey ID: ${key.accessKeyId}\nSecret key: ${key.secretAccessKey ?? '(redacted)'}\n`;
  out += `Can create buckets: ${key.permissions.createBucket}\n`;
  out += '\nKey-specific bucket aliases:\n';
  out += formatTable(key.buckets.flatMap((b) => b.localAliases.map((a) => `\t${a}\t${b.globalAliases.join(', ')}\t${b.id}`)));
  out += '\nAuthorized buckets:\n';
  const authorized = key.buckets.filter((b) => b.permissions.read || b.permissions.write || b.permissions.owner);
  out += formatTable(authorized.map((b) => `\t${flags(b.permissions)}\t${b.globalAliases.join(', ')}\t${b.localAliases.join(', ')}\t${b.id}`));
  return out;
}

export function bucketListTable(buckets: readonly ListBucketsItem[]): string {
  const local = (b: ListBucketsItem): string => {
    const [only, ...more] = b.localAliases;
    if (only === undefined) return '';
    return more.length === 0 ? `${only.accessKeyId}:${only.alias}` : `[${b.localAliases.length} local aliases]`;
  };
  return 'List of buckets:\n' + formatTable(buckets.map((b) => `\t${b.globalAliases.join(',')}\t${local(b)}\t${b.id}`));
}

export function bucketInfoText(bucket: BucketInfo): string {
  let out = `Bucket: ${bucket.id}\n\n`;
  out += `K2V items: ${bucket.k2v.items}\nK2V partitions: ${bucket.k2v.partitions}\n`;
  out += `K2V values: ${bucket.k2v.values}\nK2V bytes: ${bucket.k2v.bytes}\n`;
  out += '\nGlobal aliases:\n' + bucket.globalAliases.map((a) => `  ${a}\n`).join('');
  out += '\nKey-specific aliases:\n';
  out += formatTable(bucket.keys.flatMap((k) => k.bucketLocalAliases.map((a) => `\t${k.accessKeyId} (${k.name})\t${a}`)));
  out += '\nAuthorized keys:\n';
  const authorized = bucket.keys.filter((k) => k.permissions.read || k.permissions.write || k.permissions.owner);
  out += formatTable(authorized.map((k) => `\t${flags(k.permissions)}\t${k.accessKeyId}\t${k.name}`));
  return out;
}
