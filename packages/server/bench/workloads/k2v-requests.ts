/**
 * The K2V requests of the benchmark, signed up front (contract sections 6-10).
 */
import type { ItemName } from '../dataset.js';
import { enc, type K2vSigner } from '../sign.js';

export interface K2vBucket {
  readonly alias: string;
  readonly bucketId: string;
  readonly signer: K2vSigner;
}

const JSON_HEADERS = { 'content-type': 'application/json' };
const postJson = (b: K2vBucket, path: string, body: unknown) => b.signer.raw({ method: 'POST', path, body: JSON.stringify(body), headers: JSON_HEADERS });

const itemPath = (b: K2vBucket, it: ItemName) => `/${b.alias}/${enc(it.pk)}?sort_key=${enc(it.sk)}`;

export function readItem(b: K2vBucket, it: ItemName): Buffer {
  return b.signer.raw({ method: 'GET', path: itemPath(b, it) });
}

export function insertItem(b: K2vBucket, it: ItemName, value: Buffer, token: string | undefined): Buffer {
  const headers: Record<string, string> = token === undefined || token === '' ? {} : { 'x-garage-causality-token': token };
  return b.signer.raw({ method: 'PUT', path: itemPath(b, it), body: value, headers });
}

export interface BatchEntry {
  readonly pk: string;
  readonly sk: string;
  readonly ct: string | null;
  readonly v: string | null;
}

export function insertBatch(b: K2vBucket, entries: readonly BatchEntry[]): Buffer {
  return postJson(b, `/${b.alias}`, entries);
}

export function readBatch(b: K2vBucket, queries: readonly object[]): Buffer {
  // `?search=` as the Rust k2v-client sends it.
  return postJson(b, `/${b.alias}?search=`, queries);
}

export function deleteBatch(b: K2vBucket, queries: readonly object[]): Buffer {
  return postJson(b, `/${b.alias}?delete=`, queries);
}

export function readIndex(b: K2vBucket, query: { prefix?: string; start?: string; limit?: number }): Buffer {
  const parts: string[] = [];
  if (query.prefix !== undefined) parts.push(`prefix=${enc(query.prefix)}`);
  if (query.start !== undefined) parts.push(`start=${enc(query.start)}`);
  if (query.limit !== undefined) parts.push(`limit=${query.limit}`);
  return b.signer.raw({ method: 'GET', path: `/${b.alias}${parts.length > 0 ? '?' + parts.join('&') : ''}` });
}

export function pollItem(b: K2vBucket, it: ItemName, token: string, timeoutS: number): Buffer {
  return b.signer.raw({ method: 'GET', path: `${itemPath(b, it)}&causality_token=${token}&timeout=${timeoutS}` });
}

export function pollRange(b: K2vBucket, pk: string, body: object): Buffer {
  return postJson(b, `/${b.alias}/${enc(pk)}?poll_range=`, body);
}
