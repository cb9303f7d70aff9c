/**
 * What the independent-signer suites (verify-aws4, verify-aws4fetch) share: the verify server they
 * send to, and the path x query matrix every signer must get through. Each suite keeps its own
 * `send` (how its library signs and puts the request on the wire) and its signer-specific cases.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { KEY_ID, depsAt, sha256Hex } from './aws4-sign.js';
import { startVerifyServer, type Seen, type VerifyServer } from './verify-server.js';

/** One request as a suite's `send` takes it. */
export interface SignedRequest {
  method: string;
  /** Path and query, handed to the signer as is. */
  target: string;
  body?: string;
  headers?: Record<string, string>;
  signQuery?: boolean;
}

/** Starts a verify server before the file's tests and closes it after them. */
export function useVerifyServer(): () => VerifyServer {
  let server: VerifyServer | undefined;
  before(async () => {
    server = await startVerifyServer(depsAt());
  });
  after(() => server?.close());
  return () => {
    if (server === undefined) throw new Error('verify server read before its before() hook started it');
    return server;
  };
}

const QUERIES = [
  'sort_key=a b',
  'sort_key=x%2By+z',
  'sort_key=%2Fslash/and%25',
  'sort_key=é&causality_token=ESIyz5qDH4kRIjNEVWZ3iAAAAYvP5WgB',
  'causality_token=AAAAAAAAAAA&sort_key=s&timeout=10',
];

export const BODY = 'hello, k2v \u00e9';
const BODY_HEX = sha256Hex(BODY);

/**
 * For each path: a GET with each query (no x-amz-content-sha256), and a PUT whose body hash is
 * signed three ways (no header, UNSIGNED-PAYLOAD, hex). Every one must verify as `signer` sent it.
 */
export function signerPathMatrix(signer: string, send: (o: SignedRequest) => Promise<Seen>, paths: readonly string[]): void {
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
