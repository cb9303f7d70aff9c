/**
 * The request matrix both independent signers (aws4, aws4fetch) go through: each path with each
 * query as an unsigned-body GET, and each path as a PUT whose body is covered three ways.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KEY_ID, sha256Hex } from './aws4-sign.js';
import type { Seen } from './verify-server.js';

export interface SignedRequest {
  method: string;
  /** Path and query as the signer is given them. */
  target: string;
  body?: string;
  headers?: Record<string, string>;
  signQuery?: boolean;
}

export type SendSigned = (o: SignedRequest) => Promise<Seen>;

export const QUERIES = [
  'sort_key=a b',
  'sort_key=x%2By+z',
  'sort_key=%2Fslash/and%25',
  'sort_key=é&causality_token=ESIyz5qDH4kRIjNEVWZ3iAAAAYvP5WgB',
  'causality_token=AAAAAAAAAAA&sort_key=s&timeout=10',
];

export const BODY = 'hello, k2v \u00e9';
export const BODY_HEX = sha256Hex(BODY);

export function signerPathMatrix(signer: string, send: SendSigned, paths: readonly string[]): void {
  for (const path of paths) {
    for (const query of QUERIES) {
      test(`${signer} GET ${path}?${query}: without x-amz-content-sha256`, async () => {
        const seen = await send({ method: 'GET', target: `${path}?${query}` });
        assert.equal(seen.status, 200, seen.message);
        assert.equal(seen.accessKeyId, KEY_ID);
        assert.equal(seen.contentSha256, null);
      });
    }
    test(`${signer} PUT ${path}: body hash signed without the header, as UNSIGNED-PAYLOAD, as a hex header`, async () => {
      const target = `${path}?sort_key=k`;
      const bare = await send({ method: 'PUT', target, body: BODY });
      assert.equal(bare.status, 200, bare.message);
      assert.equal(bare.contentSha256, null);
      const unsigned = await send({ method: 'PUT', target, body: BODY, headers: { 'X-Amz-Content-Sha256': 'UNSIGNED-PAYLOAD' } });
      assert.equal(unsigned.status, 200, unsigned.message);
      assert.equal(unsigned.contentSha256, 'UNSIGNED-PAYLOAD');
      const hex = await send({ method: 'PUT', target, body: BODY, headers: { 'X-Amz-Content-Sha256': BODY_HEX } });
      assert.equal(hex.status, 200, hex.message);
      assert.equal(hex.contentSha256, BODY_HEX);
    });
  }
}
