/**
 * The soak's mixed read/write load over a fixed key space (so the data set stays the same size
 * and memory can be compared between start and end): reads (ReadItem, ReadBatch, ReadIndex) and
 * writes as a client makes them, read-then-write with the token just read (InsertItem,
 * InsertBatch, DeleteItem, singleItem DeleteBatch). A tenth of the writes go to a small hot set
 * that the pollers watch.
 */
import { randomBytes } from 'node:crypto';
import type { Rng } from '../test/support/rng.js';
import { describe, enc, tokenOf, TransportError, type K2vResponse, type SignedClient } from '../test/support/signed-client.js';
import type { IntervalStats } from './stats.js';

export interface KeySpace {
  readonly partitions: number;
  readonly itemsPerPartition: number;
}

export const pkOf = (p: number): string => `soak-p${String(p).padStart(3, '0')}`;
export const skOf = (i: number): string => `item-${String(i).padStart(6, '0')}`;
/** Items of partition 0 that take a tenth of the writes and are watched by the pollers. */
export const HOT_ITEMS = 20;

const VALUE_POOL = randomBytes(1 << 16);

type Op = (w: Workload) => Promise<void>;

/** The operations: relative weight (sum 100), HTTP requests each makes, and what it does. */
const MIX: readonly { weight: number; requests: number; run: Op }[] = [
  { weight: 30, requests: 1, run: (w) => w.readItem() },
  { weight: 10, requests: 1, run: (w) => w.readBatch() },
  { weight: 5, requests: 1, run: (w) => w.readIndex() },
  { weight: 30, requests: 2, run: (w) => w.updateItem() },
  { weight: 10, requests: 2, run: (w) => w.updateBatch() },
  { weight: 10, requests: 2, run: (w) => w.deleteItem() },
  { weight: 5, requests: 1, run: (w) => w.deleteBatch() },
];

/** HTTP requests one operation makes on average (updates and deletes read first). */
export const REQUESTS_PER_OP = MIX.reduce((n, m) => n + m.weight * m.requests, 0) / 100;

export class Workload {
  constructor(
    private readonly client: SignedClient,
    private readonly bucket: string,
    private readonly keys: KeySpace,
    private readonly rng: Rng,
    /** The interval currently collecting figures. */
    private readonly stats: () => IntervalStats,
  ) {}

  /** Writes every item of the key space once (InsertBatch, 500 at a time). */
  async preload(): Promise<void> {
    for (let p = 0; p < this.keys.partitions; p++) {
      for (let from = 0; from < this.keys.itemsPerPartition; from += 500) {
        const n = Math.min(500, this.keys.itemsPerPartition - from);
        const body = Array.from({ length: n }, (_, i) => ({ pk: pkOf(p), sk: skOf(from + i), v: this.value().toString('base64') }));
        const res = await this.client.request({ method: 'POST', path: `/${this.bucket}`, body: JSON.stringify(body) });
        if (res.status !== 204) throw new Error(`preload: ${describe(res)}`);
      }
    }
  }

  /** One operation of the mix; failures are counted, never thrown. */
  async op(): Promise<void> {
    let r = this.rng.int(100);
    for (const { weight, run } of MIX) {
      if (r < weight) return run(this);
      r -= weight;
    }
  }

  async readItem(): Promise<void> {
    const [pk, sk] = this.item();
    await this.call('ReadItem', [200], { path: this.itemPath(pk, sk), headers: { accept: 'application/json' } });
  }

  async readBatch(): Promise<void> {
    const pk = pkOf(this.rng.int(this.keys.partitions));
    const query = [{ partitionKey: pk, start: skOf(this.rng.int(this.keys.itemsPerPartition)), limit: 50, tombstones: this.rng.next() < 0.5 }];
    await this.call('ReadBatch', [200], { method: 'POST', path: `/${this.bucket}?search`, body: JSON.stringify(query) });
  }

  async readIndex(): Promise<void> {
    const start = pkOf(this.rng.int(this.keys.partitions));
    await this.call('ReadIndex', [200], { path: `/${this.bucket}?start=${enc(start)}&limit=20` });
  }

  /** ReadItem, then InsertItem with the token just read. */
  async updateItem(): Promise<void> {
    const [pk, sk] = this.writeTarget();
    const read = await this.call('ReadItem', [200], { path: this.itemPath(pk, sk), headers: { accept: 'application/json' } });
    if (read === undefined) return;
    const token = tokenOf(read);
    await this.call('InsertItem', [204], {
      method: 'PUT',
      path: this.itemPath(pk, sk),
      body: this.value(),
      headers: token === undefined ? {} : { 'x-garage-causality-token': token },
    });
  }

  /** ReadBatch of five single items, then InsertBatch with their tokens. */
  async updateBatch(): Promise<void> {
    const targets = Array.from({ length: 5 }, () => this.writeTarget());
    const queries = targets.map(([pk, sk]) => ({ partitionKey: pk, start: sk, singleItem: true, tombstones: true }));
    const read = await this.call('ReadBatch', [200], { method: 'POST', path: `/${this.bucket}?search`, body: JSON.stringify(queries) });
    if (read === undefined) return;
    const results = JSON.parse(read.body.toString('utf8')) as { items: { ct: string }[] }[];
    const body = targets.map(([pk, sk], i) => ({ pk, sk, ct: results[i]?.items[0]?.ct ?? null, v: this.value().toString('base64') }));
    await this.call('InsertBatch', [204], { method: 'POST', path: `/${this.bucket}`, body: JSON.stringify(body) });
  }

  /** ReadItem, then DeleteItem with the token just read. */
  async deleteItem(): Promise<void> {
    const [pk, sk] = this.writeTarget();
    const read = await this.call('ReadItem', [200], { path: this.itemPath(pk, sk), headers: { accept: 'application/json' } });
    if (read === undefined) return;
    const token = tokenOf(read);
    await this.call('DeleteItem', [204], {
      method: 'DELETE',
      path: this.itemPath(pk, sk),
      headers: token === undefined ? {} : { 'x-garage-causality-token': token },
    });
  }

  async deleteBatch(): Promise<void> {
    const [pk, sk] = this.writeTarget();
    const body = JSON.stringify([{ partitionKey: pk, start: sk, singleItem: true }]);
    await this.call('DeleteBatch', [200], { method: 'POST', path: `/${this.bucket}?delete`, body });
  }

  private async call(
    kind: string,
    expected: readonly number[],
    req: Parameters<SignedClient['request']>[0],
  ): Promise<K2vResponse | undefined> {
    const t0 = performance.now();
    try {
      const res = await this.client.request(req);
      if (!expected.includes(res.status)) {
        this.stats().error(kind, describe(res));
        return undefined;
      }
      this.stats().record(kind, performance.now() - t0);
      return res;
    } catch (err) {
      if (!(err instanceof TransportError)) throw err;
      this.stats().error(kind, err.message);
      return undefined;
    }
  }

  private item(): [string, string] {
    return [pkOf(this.rng.int(this.keys.partitions)), skOf(this.rng.int(this.keys.itemsPerPartition))];
  }

  private writeTarget(): [string, string] {
    return this.rng.next() < 0.1 ? [pkOf(0), skOf(this.rng.int(HOT_ITEMS))] : this.item();
  }

  private itemPath(pk: string, sk: string): string {
    return `/${this.bucket}/${enc(pk)}?sort_key=${enc(sk)}`;
  }

  /** 50 to 2000 bytes from the random pool. */
  private value(): Buffer {
    const len = 50 + this.rng.int(1950);
    const off = this.rng.int(VALUE_POOL.length - len);
    return VALUE_POOL.subarray(off, off + len);
  }
}
