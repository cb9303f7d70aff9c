/**
 * The NOTIFY payload of a committed item change: `node bucket pk sk`, the node id in hex (a
 * server skips its own changes: it publishes them itself after COMMIT), the bucket id as it is,
 * the keys as base64 of their UTF-8 bytes (any key text, and within the 8000-byte payload limit
 * for keys up to PG_KEY_LIMITS).
 */
import { Buffer } from 'node:buffer';
import type { ItemChange } from '../store.js';

export const CHANGES_CHANNEL = 'k2v_changes';
export const META_CHANNEL = 'k2v_meta';

export function changePayload(nodeId: bigint, bucketId: string, pk: string, sk: string): string {
  return `${nodeId.toString(16)} ${bucketId} ${Buffer.from(pk, 'utf8').toString('base64')} ${Buffer.from(sk, 'utf8').toString('base64')}`;
}

/** The change and the node it was made through, or undefined for a payload that is not one. */
export function parseChangePayload(payload: string): { nodeId: bigint; change: ItemChange } | undefined {
  const parts = payload.split(' ');
  if (parts.length !== 4 || !/^[0-9a-f]{1,16}$/.test(parts[0]!)) return undefined;
  return {
    nodeId: BigInt(`0x${parts[0]!}`),
    change: {
      bucketId: parts[1]!,
      pk: Buffer.from(parts[2]!, 'base64').toString('utf8'),
      sk: Buffer.from(parts[3]!, 'base64').toString('utf8'),
    },
  };
}
