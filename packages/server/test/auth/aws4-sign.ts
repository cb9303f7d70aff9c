/**
 * Test helper: signs a K2V request with the independent `aws4` library and returns it in the
 * shape the verifier receives (path and query as sent, lower-case header names).
 */
import { createHash } from 'node:crypto';
import aws4 from 'aws4';
import type { SignedRequestInput } from '../../src/auth/verify.js';

export const KEY_ID = 'GK31c2f218a2e44f485b94239e';
export const SECRET = 'b892c0665f0ada8a4755dae98baa3b133590e11dae3bcc1f93d6b0fbd2e3a9a5';
export const REGION = 'garage';
export const HOST = 'localhost:3904';
export const AMZ_DATE = '20240102T030405Z';
export const NOW = Date.UTC(2024, 0, 2, 3, 4, 5);

export const sha256Hex = (body: string | Uint8Array): string => createHash('sha256').update(body).digest('hex');

export interface Aws4Options {
  method?: string;
  /** Path and query, as given to aws4 (it may re-encode them). */
  path: string;
  headers?: Record<string, string>;
  body?: string;
  signQuery?: boolean;
  region?: string;
  service?: string;
  secret?: string;
  accessKeyId?: string;
}

export function signWithAws4(o: Aws4Options): SignedRequestInput {
  const headers: Record<string, string> = { ...(o.headers ?? {}) };
  if (o.signQuery !== true && headers['X-Amz-Date'] === undefined) headers['X-Amz-Date'] = AMZ_DATE;
  const signed = aws4.sign(
    {
      host: HOST,
      method: o.method ?? 'GET',
      path: o.path,
      headers,
      ...(o.body !== undefined ? { body: o.body } : {}),
      service: o.service ?? 'k2v',
      region: o.region ?? REGION,
      ...(o.signQuery === true ? { signQuery: true } : {}),
    },
    { accessKeyId: o.accessKeyId ?? KEY_ID, secretAccessKey: o.secret ?? SECRET },
  );
  const path = signed.path ?? '/';
  const q = path.indexOf('?');
  const lower: Record<string, string> = {};
  for (const [name, value] of Object.entries(signed.headers ?? {})) {
    lower[name.toLowerCase()] = String(value);
  }
  return {
    method: signed.method ?? 'GET',
    rawPath: q < 0 ? path : path.slice(0, q),
    rawQuery: q < 0 ? '' : path.slice(q + 1),
    headers: lower,
    bodySha256Hex: sha256Hex(o.body ?? ''),
  };
}

/** Deps of a verifier that knows one key and whose clock reads `now`. */
export function depsAt(now: number = NOW, keys: Record<string, string> = { [KEY_ID]: SECRET }) {
  return {
    region: REGION,
    now: () => now,
    lookupSecret: (id: string): string | undefined => keys[id],
  };
}
