/**
 * GetClusterHealth and GetClusterStatus (Garage src/api/admin/cluster.rs) for a K2V server: the
 * "cluster" is this server process and its store, one node holding every partition. Health is
 * the verdict of `GET /health` (store open and writable, disk not full).
 */
import { hostname } from 'node:os';
import { statfsSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { V2Context, V2Result } from './context-v2.js';

const pkg = createRequire(import.meta.url)('../../../../package.json') as { version: string };

export function getClusterHealthV2(ctx: V2Context): V2Result {
  const up = ctx.health().ok ? 1 : 0;
  return {
    status: up === 1 ? 'healthy' : 'unavailable',
    knownNodes: 1,
    connectedNodes: 1,
    storageNodes: 1,
    storageNodesOk: up,
    partitions: 1,
    partitionsQuorum: up,
    partitionsAllOk: up,
  };
}

function diskSpace(dir: string | undefined): { available: number; total: number } | undefined {
  if (dir === undefined) return undefined;
  try {
    const s = statfsSync(dir);
    return { available: s.bavail * s.bsize, total: s.blocks * s.bsize };
  } catch {
    return undefined;
  }
}

export function getClusterStatusV2(ctx: V2Context): V2Result {
  const metadataPartition = diskSpace(ctx.dataDir);
  return {
    layoutVersion: 0,
    nodes: [
      {
        id: ctx.store.nodeId.toString(16).padStart(16, '0'),
        garageVersion: `k2v-server ${pkg.version}`,
        addr: null,
        hostname: hostname(),
        isUp: true,
        lastSeenSecsAgo: null,
        role: null,
        draining: false,
        ...(metadataPartition === undefined ? {} : { metadataPartition }),
      },
    ],
  };
}
