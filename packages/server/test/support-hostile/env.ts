/**
 * A K2V server with one key and one bucket, and the few calls the limit and slow-client tests
 * make against it (signed with aws4, sent over raw sockets).
 */
import assert from 'node:assert/strict';
import { DEFAULT_CONNECTION_LIMITS, DEFAULT_LIMITS, type ConnectionLimits, type Limits } from '../../src/config/limits.js';
import { errorShapeProblems } from './contract.js';
import { exchange, type RawRequest, type RawResponse } from './raw-http.js';
import { startHostileServer, type HostileServer } from './server.js';
import { sign, type Creds } from './sign.js';

export const BUCKET = 'slow-bkt';

export interface Env {
  hs: HostileServer;
  creds: Creds;
}

export async function setUp(connections: Partial<ConnectionLimits>, limits: Limits = DEFAULT_LIMITS): Promise<Env> {
  const hs = await startHostileServer({ connections: { ...DEFAULT_CONNECTION_LIMITS, ...connections }, limits });
  const creds = await hs.newKey();
  await hs.newBucket(BUCKET, [[creds, { read: true, write: true }]]);
  return { hs, creds };
}

export function signed(env: Env, method: string, target: string, body?: Buffer | string, headers?: Record<string, string>): RawRequest {
  return sign(
    env.hs.host,
    { method, target, ...(body === undefined ? {} : { body: Buffer.from(body) }), ...(headers ? { headers } : {}) },
    { creds: env.creds, region: env.hs.config.region },
  );
}

export async function send(env: Env, req: RawRequest, localAddress?: string): Promise<RawResponse> {
  const ex = await exchange({ ...env.hs.k2v(), ...(localAddress ? { localAddress } : {}) }, req, 30_000);
  const res = ex.responses[0];
  assert.ok(res !== undefined, `no response to ${req.method} ${req.target} (${ex.error ?? 'closed'})`);
  return res;
}

export function assertError(env: Env, res: RawResponse, status: number, code: string, what: string): void {
  const body = res.body.toString('utf8');
  assert.equal(res.status, status, `${what}: ${res.status} ${body}`);
  assert.deepEqual(errorShapeProblems(res, undefined, env.hs.config.region), [], `${what}: ${body}`);
  assert.equal((JSON.parse(body) as { code: string }).code, code, `${what}: ${body}`);
}
