/**
 * Names on the command line, resolved as Garage resolves them: a key by its id, a prefix of its
 * id or its whole name (case-insensitive, exactly one match); a bucket by its global alias, its
 * 64-hex id, or a unique prefix of its id.
 */
import { CliError } from '../cli-error.js';
import { AdminApiError, type AdminClient, type BucketInfo, type KeyInfo } from './admin-client.js';

export async function resolveKey(admin: AdminClient, pattern: string, showSecret = false): Promise<KeyInfo> {
  const p = pattern.toLowerCase();
  const matches = (await admin.listKeys()).filter((k) => k.id.toLowerCase().startsWith(p) || k.name.toLowerCase() === p);
  const [only, ...more] = matches;
  if (only === undefined) throw new CliError(`no key matches '${pattern}' (give a key id, a prefix of one, or a key name)`);
  if (more.length > 0) throw new CliError(`${matches.length} keys match '${pattern}': ${matches.map((k) => k.id).join(', ')}`);
  return admin.getKey({ id: only.id }, showSecret);
}

const HEX_ID = /^[0-9a-f]{64}$/;

export async function resolveBucket(admin: AdminClient, name: string): Promise<BucketInfo> {
  if (HEX_ID.test(name)) return admin.getBucket({ id: name });
  try {
    return await admin.getBucket({ globalAlias: name });
  } catch (err) {
    if (!(err instanceof AdminApiError && err.code === 'NoSuchBucket' && /^[0-9a-f]+$/.test(name))) throw err;
  }
  const matches = (await admin.listBuckets()).filter((b) => b.id.startsWith(name));
  const [only, ...more] = matches;
  if (only === undefined) throw new CliError(`no bucket named '${name}' (give a global alias or a bucket id)`);
  if (more.length > 0) throw new CliError(`${matches.length} bucket ids start with '${name}'`);
  return admin.getBucket({ id: only.id });
}
