/**
 * A Snapshot (store.ts) on one REPEATABLE READ READ ONLY transaction: every read and every page
 * of every scan sees the same committed state, which is durable (synchronous_commit on).
 * Item records are the item-codec.ts FORMAT 1 bytes, viewed without decoding (item-view.ts).
 */
import { Buffer } from 'node:buffer';
import type { VectorClock } from '../../k2v/dvvs.js';
import { StoreError } from '../errors.js';
import { ItemView } from '../item-view.js';
import type { IndexEntry, ItemRef, ItemScanQuery, PageScan, ScanQuery, Snapshot } from '../store.js';
import { byteaArray } from './pg-arrays.js';
import type { Db } from './pg-connection.js';
import { toStoreError, withDeadline } from './pg-errors.js';
import { bucketBytes, nodeFromDb, partOf, PG_KEY_LIMITS, utf8 } from './pg-keys.js';
import { decodeItem, type StoredItem } from '../item-codec.js';
import { afterKey, pages, rangeConditions } from './pg-scan.js';
import type { MetadataRecords } from '../metadata.js';
import { metadataOfRecords } from '../lmdb/metadata-store.js';
import { selectRecords } from './pg-metadata-store.js';

/** Rows per page of a bucket scan (dump): whole records of up to 1 MiB each, so fewer than a scan's. */
const DUMP_PAGE_ROWS = 100;

export function viewOf(item: Buffer): ItemView {
  return ItemView.parse(item, 0, item.length);
}

/** A point read, on a snapshot's transaction or the pool. */
export async function readItem(sql: Db, bucketId: string, pk: string, sk: string): Promise<ItemView | undefined> {
  if (Buffer.byteLength(sk, 'utf8') > PG_KEY_LIMITS.maxSortKeyBytes) return undefined;
  const rows = await sql<{ item: Buffer }[]>`
    SELECT item FROM k2v_item WHERE part = ${partOf(bucketBytes(bucketId), pk)} AND sk = ${utf8(sk)}`;
  return rows.length === 0 ? undefined : viewOf(rows[0]!.item);
}

/** One item of a point read, with its bucket (a statement may read from several). */
export interface BucketItemRef extends ItemRef {
  readonly bucketId: string;
}

/**
 * Point reads of several items in one statement, answers in the order of `refs`. Sort keys too
 * long to be stored name no item and are not sent.
 */
export async function readItems(sql: Db, refs: readonly BucketItemRef[]): Promise<(ItemView | undefined)[]> {
  const out: (ItemView | undefined)[] = new Array<ItemView | undefined>(refs.length).fill(undefined);
  const asked: number[] = [];
  for (let i = 0; i < refs.length; i++) if (Buffer.byteLength(refs[i]!.sk, 'utf8') <= PG_KEY_LIMITS.maxSortKeyBytes) asked.push(i);
  if (asked.length === 0) return out;
  const parts = byteaArray(asked.map((i) => partOf(bucketBytes(refs[i]!.bucketId), refs[i]!.pk)));
  const sks = byteaArray(asked.map((i) => utf8(refs[i]!.sk)));
  const rows = await sql<{ i: string; item: Buffer }[]>`
    SELECT q.i, k.item FROM unnest(${parts}::bytea[], ${sks}::bytea[]) WITH ORDINALITY AS q(part, sk, i)
    JOIN k2v_item k ON k.part = q.part AND k.sk = q.sk`;
  for (const r of rows) out[asked[Number(r.i) - 1]!] = viewOf(r.item);
  return out;
}

export async function readWatermark(sql: Db): Promise<VectorClock> {
  const rows = await sql<{ node_id: bigint; last: bigint }[]>`SELECT node_id, last FROM k2v_node`;
  return new Map(rows.map((r) => [nodeFromDb(r.node_id), r.last]));
}

export class PgSnapshot implements Snapshot {
  private open = true;
  private readonly isOpen = (): boolean => this.open;

  constructor(
    private readonly tx: Db,
    private readonly boundMs: number,
  ) {}

  close(): void {
    this.open = false;
  }

  getItem(bucketId: string, pk: string, sk: string): Promise<ItemView | undefined> {
    return this.guard(() => readItem(this.tx, bucketId, pk, sk));
  }

  getItems(bucketId: string, refs: readonly ItemRef[]): Promise<(ItemView | undefined)[]> {
    return this.guard(() => readItems(this.tx, refs.map((r) => ({ bucketId, pk: r.pk, sk: r.sk }))));
  }

  scanItems(bucketId: string, pk: string, q: ItemScanQuery): PageScan<ItemView> {
    const tx = this.tx;
    const part = partOf(bucketBytes(bucketId), pk);
    return this.scan(q, async (after, n) => {
      const filter = tx`${q.skipTombstones === true ? tx`AND tomb_since IS NULL` : tx``} ${q.conflictsOnly === true ? tx`AND conflict` : tx``}`;
      const rows = await tx<{ sk: Buffer; item: Buffer }[]>`
        SELECT sk, item FROM k2v_item
        WHERE part = ${part} ${filter} ${rangeConditions(tx, 'sk', q)} ${afterKey(tx, 'sk', after, q.reverse)}
        ORDER BY sk ${q.reverse ? tx`DESC` : tx`ASC`} LIMIT ${n}`;
      return { page: rows.map((r) => viewOf(r.item)), lastKey: rows[rows.length - 1]?.sk };
    });
  }

  scanIndex(bucketId: string, q: ScanQuery): PageScan<IndexEntry> {
    const tx = this.tx;
    const bucket = bucketBytes(bucketId);
    return this.scan(q, async (after, n) => {
      const rows = await tx<{ pk: Buffer; n_entries: bigint; n_conflicts: bigint; n_values: bigint; n_bytes: bigint }[]>`
        SELECT pk, n_entries, n_conflicts, n_values, n_bytes FROM k2v_counter
        WHERE bucket = ${bucket} ${rangeConditions(tx, 'pk', q)} ${afterKey(tx, 'pk', after, q.reverse)}
        ORDER BY pk ${q.reverse ? tx`DESC` : tx`ASC`} LIMIT ${n}`;
      const page = rows.map((r) => ({
        pk: r.pk.toString('utf8'),
        counts: { entries: Number(r.n_entries), conflicts: Number(r.n_conflicts), values: Number(r.n_values), bytes: Number(r.n_bytes) },
      }));
      return { page, lastKey: rows[rows.length - 1]?.pk };
    });
  }

  /** Keyset pages in primary-key order (part, sk), filtered on the row's bucket. */
  scanBucketItems(bucketId: string): PageScan<StoredItem> {
    const tx = this.tx;
    const bucket = bucketBytes(bucketId);
    this.checkOpen();
    const guarded = <T>(op: () => Promise<T>): Promise<T> => this.guard(op);
    const isOpen = this.isOpen;
    return (async function* () {
      let after: { part: Buffer; sk: Buffer } | undefined;
      while (isOpen()) {
        const rows = await guarded(
          () => tx<{ part: Buffer; sk: Buffer; item: Buffer }[]>`
            SELECT part, sk, item FROM k2v_item
            WHERE bucket = ${bucket} ${after === undefined ? tx`` : tx`AND (part, sk) > (${after.part}, ${after.sk})`}
            ORDER BY part, sk LIMIT ${DUMP_PAGE_ROWS}`,
        );
        if (rows.length > 0 && isOpen()) yield rows.map((r) => decodeItem(r.item));
        if (rows.length < DUMP_PAGE_ROWS) return;
        const lastRow = rows[rows.length - 1]!;
        after = { part: lastRow.part, sk: lastRow.sk };
      }
    })();
  }

  watermark(): Promise<VectorClock> {
    return this.guard(() => readWatermark(this.tx));
  }

  metadata(): Promise<MetadataRecords> {
    return this.guard(async () => metadataOfRecords((await selectRecords(this.tx, (q) => q)).records));
  }

  private scan<T>(q: ScanQuery, fetch: (after: Buffer | undefined, n: number) => Promise<{ page: T[]; lastKey: Buffer | undefined }>): PageScan<T> {
    this.checkOpen();
    const guarded = (after: Buffer | undefined, n: number): Promise<{ page: T[]; lastKey: Buffer | undefined }> =>
      this.guard(() => fetch(after, n));
    return pages(q.limit, guarded, this.isOpen);
  }

  private async guard<T>(op: () => Promise<T>): Promise<T> {
    this.checkOpen();
    try {
      return await withDeadline(op(), this.boundMs, 'read');
    } catch (err) {
      throw toStoreError(err, 'read failed');
    }
  }

  private checkOpen(): void {
    if (!this.open) throw new StoreError('Unavailable', 'snapshot is closed');
  }
}
