/**
 * Two LMDB stores of two worker slots on one environment (`k2v server --workers`), in one
 * process: each slot is its own node, the snapshot watermark covers both nodes, a token naming the
 * other node is checked against that node's clock, metadata changed through one is in force in
 * the other on its next read, changes travel through the PeerLink, and a slot is held once.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { openLmdbStore } from '../../../src/store/lmdb/open-lmdb-store.js';
import type { LmdbStore } from '../../../src/store/lmdb/lmdb-store.js';
import type { PeerLink } from '../../../src/store/lmdb/peer-processes.js';
import type { ItemChange } from '../../../src/store/store.js';
import { ctOf, newBucketId, put, rejectsWith, texts } from '../store-case-support.js';

/**
 * A pair of links that deliver to each other at once, as the primary relays between workers;
 * `mute` drops what a slot sends (a worker killed before relaying), `die` tells the other slot
 * that its peer died.
 */
function linkedPair(): { links: [PeerLink, PeerLink]; mute(slot: number): void; die(slot: number): void } {
  const listeners: ((c: readonly ItemChange[]) => void)[][] = [[], []];
  const deaths: (() => void)[][] = [[], []];
  const muted = [false, false];
  const link = (me: number): PeerLink => ({
    send: (changes) => {
      if (muted[me]) return;
      for (const l of listeners[1 - me]!) l(changes);
    },
    onChanges: (l) => void listeners[me]!.push(l),
    onPeerDied: (l) => void deaths[me]!.push(l),
  });
  return {
    links: [link(0), link(1)],
    mute: (slot) => void (muted[slot] = true),
    die: (slot) => {
      for (const l of deaths[1 - slot]!) l();
    },
  };
}

async function openPair(): Promise<{ a: LmdbStore; b: LmdbStore; dir: string; pair: ReturnType<typeof linkedPair> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'k2v-slots-'));
  const pair = linkedPair();
  const [la, lb] = pair.links;
  const base = { dataDir: dir, mapSizeBytes: 1 << 30, tombstoneGcDelayMs: 86_400_000, maxValuesPerItem: 100 };
  const a = await openLmdbStore({ ...base, worker: { slot: 0, peers: la, runsGc: true } });
  const b = await openLmdbStore({ ...base, worker: { slot: 1, peers: lb, runsGc: false } });
  return { a, b, dir, pair };
}

describe('worker slots on one LMDB environment', () => {
  it('each slot is its own node; the watermark covers both; siblings across nodes', async () => {
    const { a, b, dir } = await openPair();
    try {
      assert.notEqual(a.nodeId, b.nodeId);
      const bucket = newBucketId();
      await a.write(bucket, [put('p', 'x', 'from a')]);
      await b.write(bucket, [put('p', 'x', 'from b')]);
      assert.deepEqual((texts(await a.getItem(bucket, 'p', 'x')) ?? []).sort(), ['from a', 'from b']);
      const wm = await b.read((snap) => snap.watermark());
      assert.deepEqual([...wm.keys()].sort(), [a.nodeId, b.nodeId].sort());
      for (const t of wm.values()) assert.ok(t > 0n);
      // A token of both nodes, written through either, supersedes both values.
      const ct = ctOf(await b.getItem(bucket, 'p', 'x'));
      await a.write(bucket, [put('p', 'x', 'merged', ct)]);
      assert.deepEqual(texts(await b.getItem(bucket, 'p', 'x')), ['merged']);
    } finally {
      await a.close();
      await b.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("a peer's death makes the survivor's subscribers re-read (its last changes may never be relayed)", async () => {
    const { a, b, dir, pair } = await openPair();
    try {
      const bucket = newBucketId();
      const heard: string[] = [];
      const off = a.subscribe(bucket, 'p', (c) => heard.push(`change ${c.sk}`), () => heard.push('resync'));
      await b.write(bucket, [put('p', 'x', 'relayed')]);
      pair.mute(1);
      await b.write(bucket, [put('p', 'y', 'never relayed')]);
      assert.deepEqual(heard, ['change x']);
      pair.die(1);
      assert.deepEqual(heard, ['change x', 'resync']);
      assert.deepEqual(texts(await a.getItem(bucket, 'p', 'y')), ['never relayed']);
      off();
    } finally {
      await a.close();
      await b.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("a token naming the other node beyond that node's clock is refused (FutureToken)", async () => {
    const { a, b, dir } = await openPair();
    try {
      const bucket = newBucketId();
      await b.write(bucket, [put('p', 'y', 'v')]);
      const ct = ctOf(await b.getItem(bucket, 'p', 'y'));
      const future = new Map([...ct].map(([n, t]) => [n, t + 1_000_000n]));
      await rejectsWith(a.write(bucket, [put('p', 'y', 'w', future)]), 'FutureToken');
    } finally {
      await a.close();
      await b.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('metadata changed through one slot is in force in the other at its next read', async () => {
    const { a, b, dir } = await openPair();
    try {
      const bucketId = newBucketId();
      await a.meta.update((d) => {
        d.buckets.set(bucketId, {
          id: bucketId,
          created: 0,
          globalAliases: ['shared'],
          localAliases: [],
          keys: {},
          corsRules: [],
          websiteAccess: false,
          websiteConfig: null,
          quotas: { maxSize: null, maxObjects: null },
        });
      });
      // A new turn: the next read renews the snapshot and sees the new generation.
      await new Promise((r) => setImmediate(r));
      assert.equal(b.meta.resolveGlobalAlias('shared'), bucketId);
      // And b's update is built on a's change, not on its own older copy.
      await b.meta.update((d) => {
        d.buckets.delete(bucketId);
      });
      await new Promise((r) => setImmediate(r));
      assert.equal(a.meta.resolveGlobalAlias('shared'), undefined);
    } finally {
      await a.close();
      await b.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("a write through one slot wakes the other's subscribers", async () => {
    const { a, b, dir } = await openPair();
    try {
      const bucket = newBucketId();
      const seen: string[] = [];
      const unsubscribe = b.subscribe(bucket, 'p', (c) => seen.push(c.sk), () => undefined);
      await a.write(bucket, [put('p', 'z', 'v')]);
      assert.deepEqual(seen, ['z']);
      unsubscribe();
    } finally {
      await a.close();
      await b.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a slot is held by one store at a time', async () => {
    const { a, b, dir } = await openPair();
    try {
      const [l] = linkedPair().links;
      const again = openLmdbStore({ dataDir: dir, mapSizeBytes: 1 << 30, tombstoneGcDelayMs: 1, maxValuesPerItem: 100, worker: { slot: 1, peers: l, runsGc: false } });
      await b.close();
      // Taken once the holder let go (the wait for a draining predecessor).
      const c = await again;
      assert.equal(c.nodeId, b.nodeId, 'the slot keeps its node');
      await c.close();
    } finally {
      await a.close();
      await b.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
