/**
 * How a restore merges a whole-store dump's metadata into the target's (k2v-restore.ts), on one
 * metadata draft: what the target lacks is added, what it has is kept as it is (it may have moved
 * on: a renamed key, a revoked permission, a narrowed token scope), and nothing it deleted comes
 * back.
 * - keys: added unless the id is in use or was ever used here (a deleted key stays deleted);
 * - buckets: added unless the id exists; an alias the target gives another bucket is skipped,
 *   and so is a permission or local alias of a key the target does not have;
 * - admin tokens (their stored digests): added unless the id exists or was ever used here
 *   (a revoked token stays revoked); a token the target has with other contents (scope,
 *   expiration, name, digest) keeps the target's, and is counted in `adminTokensKept`.
 */
import { isDeepStrictEqual } from 'node:util';
import type { AccessKey, AdminToken, Bucket, MetadataDraft } from '../store/metadata.js';

export interface DumpMetadata {
  readonly keys: readonly AccessKey[];
  readonly buckets: readonly Bucket[];
  readonly adminTokens: readonly AdminToken[];
}

export interface MetadataMergeCounts {
  keysAdded: number;
  bucketsAdded: number;
  adminTokensAdded: number;
  /** Tokens of the dump the target has otherwise, or deleted: the target's state was kept. */
  adminTokensKept: number;
}

export function isEmptyMetadata(m: DumpMetadata): boolean {
  return m.keys.length === 0 && m.buckets.length === 0 && m.adminTokens.length === 0;
}

export function mergeDumpMetadata(draft: MetadataDraft, m: DumpMetadata, sum: MetadataMergeCounts): void {
  for (const k of m.keys) {
    if (draft.keys.has(k.id) || draft.usedKeyIds.has(k.id)) continue;
    draft.keys.set(k.id, { ...k });
    draft.usedKeyIds.add(k.id);
    sum.keysAdded++;
  }
  const globalTaken = new Set<string>();
  const localTaken = new Set<string>();
  for (const b of draft.buckets.values()) {
    for (const a of b.globalAliases) globalTaken.add(a);
    for (const a of b.localAliases) localTaken.add(`${a.accessKeyId}\n${a.alias}`);
  }
  for (const b of m.buckets) {
    if (draft.buckets.has(b.id)) continue;
    const keysOk = Object.fromEntries(Object.entries(b.keys).filter(([id]) => draft.keys.has(id)));
    draft.buckets.set(b.id, {
      ...b,
      globalAliases: b.globalAliases.filter((a) => !globalTaken.has(a)),
      localAliases: b.localAliases.filter((a) => draft.keys.has(a.accessKeyId) && !localTaken.has(`${a.accessKeyId}\n${a.alias}`)),
      keys: keysOk,
    });
    sum.bucketsAdded++;
  }
  for (const t of m.adminTokens) {
    const mine = draft.adminTokens.get(t.id);
    if (mine !== undefined) {
      if (!isDeepStrictEqual({ ...mine }, { ...t })) sum.adminTokensKept++;
      continue;
    }
    if (draft.usedAdminTokenIds.has(t.id)) {
      sum.adminTokensKept++;
      continue;
    }
    draft.adminTokens.set(t.id, { ...t, scope: [...t.scope] });
    draft.usedAdminTokenIds.add(t.id);
    sum.adminTokensAdded++;
  }
}
