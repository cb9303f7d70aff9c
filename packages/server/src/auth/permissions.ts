/**
 * Authorisation (contract section 4): only a key's `read` / `write` flag on the bucket grants an
 * endpoint; `owner` alone grants nothing.
 */
import { K2vError } from '../k2v/errors.js';
import type { BucketPermission } from '../store/metadata.js';

export function checkPermission(perm: BucketPermission | undefined, need: 'read' | 'write'): void {
  if (perm?.[need] !== true) {
    throw new K2vError('AccessDenied', `This key is not allowed to ${need} this bucket`);
  }
}
