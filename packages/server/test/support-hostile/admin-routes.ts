/**
 * Every route of the admin API (Garage admin API v1), with arguments that would change
 * something if the request were allowed, and a dump of the admin state to compare.
 */
import assert from 'node:assert/strict';
import type { HostileServer } from './server.js';

export interface AdminIds {
  /** A key the routes would rename, delete, grant or deny. */
  readonly key: string;
  /** The key owning `tenantAlias`. */
  readonly tenantKey: string;
  /** Every key whose details are part of the state. */
  readonly liveKeys: readonly string[];
  readonly bucketA: string;
  readonly bucketB: string;
  /** bucketA's global alias. */
  readonly aliasA: string;
  /** tenantKey's local alias of bucketB. */
  readonly tenantAlias: string;
}

export function adminRoutes(ids: AdminIds): { method: string; target: string; body?: unknown }[] {
  const { key, bucketA, bucketB } = ids;
  return [
    { method: 'GET', target: '/v1/key' },
    { method: 'GET', target: `/v1/key?id=${key}&showSecretKey=true` },
    { method: 'GET', target: '/v1/key?search=GK' },
    { method: 'POST', target: '/v1/key', body: { name: 'intruder' } },
    { method: 'POST', target: `/v1/key?id=${key}`, body: { name: 'renamed', allow: { createBucket: true } } },
    { method: 'POST', target: '/v1/key/import', body: { accessKeyId: 'GK111111111111111111111111', secretAccessKey: 'a'.repeat(64), name: 'imported' } },
    { method: 'DELETE', target: `/v1/key?id=${key}` },
    { method: 'GET', target: '/v1/bucket' },
    { method: 'GET', target: `/v1/bucket?id=${bucketA}` },
    { method: 'GET', target: `/v1/bucket?globalAlias=${ids.aliasA}` },
    { method: 'POST', target: '/v1/bucket', body: { globalAlias: 'intruder-bucket' } },
    { method: 'PUT', target: `/v1/bucket?id=${bucketA}`, body: { websiteAccess: { enabled: true, indexDocument: 'i.html' } } },
    { method: 'DELETE', target: `/v1/bucket?id=${bucketB}` },
    { method: 'POST', target: '/v1/bucket/allow', body: { bucketId: bucketB, accessKeyId: key, permissions: { read: true, write: true, owner: true } } },
    { method: 'POST', target: '/v1/bucket/deny', body: { bucketId: bucketA, accessKeyId: key, permissions: { read: true, write: true, owner: true } } },
    { method: 'PUT', target: `/v1/bucket/alias/global?id=${bucketA}&alias=stolen` },
    { method: 'DELETE', target: `/v1/bucket/alias/global?id=${bucketA}&alias=${ids.aliasA}` },
    { method: 'PUT', target: `/v1/bucket/alias/local?id=${bucketB}&accessKeyId=${key}&alias=stolen` },
    { method: 'DELETE', target: `/v1/bucket/alias/local?id=${bucketB}&accessKeyId=${ids.tenantKey}&alias=${ids.tenantAlias}` },
    // Backups: a dump holds every secret, a restore adds keys, a snapshot writes files.
    { method: 'GET', target: '/v1/k2v/dump' },
    { method: 'GET', target: `/v1/k2v/dump?bucket=${bucketA}` },
    { method: 'POST', target: '/v1/k2v/restore', body: { format: 'k2v-dump' } },
    { method: 'POST', target: '/v1/k2v/snapshot', body: { dir: '/tmp/k2v-intruder-snapshot' } },
  ];
}

/** Keys, buckets and their details, as the admin API lists them. */
export async function adminState(hs: HostileServer, ids: AdminIds): Promise<string> {
  const targets = [
    '/v1/key',
    '/v1/bucket',
    `/v1/bucket?id=${ids.bucketA}`,
    `/v1/bucket?id=${ids.bucketB}`,
    ...ids.liveKeys.map((k) => `/v1/key?id=${k}&showSecretKey=true`),
  ];
  const parts: string[] = [];
  for (const target of targets) {
    const res = await hs.admin('GET', target);
    assert.equal(res.status, 200, `${target}: ${res.body.toString()}`);
    parts.push(res.body.toString('utf8'));
  }
  return parts.join('\n');
}
