/**
 * Group commit over the network. The write calls that arrive while a transaction is in flight
 * share the next one (one at a time per server: every write transaction of a node locks the
 * node's clock row anyway), and a transaction costs two pipelined round trips plus COMMIT:
 *
 *   1. BEGIN; lock this node's clock row; read every writer node's clock; take a KEY SHARE lock
 *      on the row of every bucket written, then look it up among the removed buckets: a removal
 *      waits for this transaction's lock, and a write that waited for a removal finds its bucket
 *      removed and is refused with NoSuchBucket, so no item is ever left in a removed bucket
 *      (pg-metadata-store.ts); read and lock (`FOR UPDATE`, in key order) the
 *      existing items the calls touch;
 *   2. plan each call with store/write-plan.ts (a refused call is dropped alone), then, pipelined:
 *      update the changed items and insert the new ones (arrays through `unnest`, passed as
 *      literals: pg-arrays.ts), add the counter deltas, the bucket item counts, the node's
 *      `last`, one NOTIFY per changed item
 *      (delivered to other servers only after COMMIT), COMMIT. An item another server created
 *      meanwhile makes the INSERT fail (unique violation): the group is retried from round 1.
 *
 * Rows are locked in one global order (items by (part, sk), then counters by (bucket, pk), then
 * this node's rows), so two servers cannot deadlock on them; a deadlock PostgreSQL still detects
 * (e.g. with a DeleteBatch range) is retried. Calls are acknowledged only after COMMIT returned
 * with synchronous_commit on; any failure rejects every call of the transaction (the COMMIT may
 * or may not have happened: never a success for a write that may not be there).
 *
 * DeleteBatch (`deleteRange`) is its own transaction: its range is read and locked in round 1.
 */
import type { Buffer } from 'node:buffer';
import type { PendingQuery, Row } from 'postgres';
import type { RangeSpec } from '../../k2v/range.js';
import { isTombstoneOnly, values, type DvvsItem } from '../../k2v/dvvs.js';
import { addCountsOf, zeroSum, type CountsSum } from '../../k2v/index-counts.js';
import { StoreError } from '../errors.js';
import { decodeItem, encodeItem, type StoredItem } from '../item-codec.js';
import type { ItemChange, ItemWrite } from '../store.js';
import type { StoreObserver } from '../store-metrics.js';
import { rangeDeletion, WritePlan } from '../write-plan.js';
import { boolArray, byteaArray, int8Array, textArray } from './pg-arrays.js';
import type { Db } from './pg-connection.js';
import { isRetryable, toStoreError } from './pg-errors.js';
import type { NodeClaim } from './pg-node.js';
import { reserve } from './pg-transaction.js';
import { bucketBytes, nodeFromDb, nodeToDb, partOf, utf8 } from './pg-keys.js';
import { changePayload, CHANGES_CHANNEL } from './pg-notify.js';
import { rangeConditions } from './pg-scan.js';

/** One item touched by a transaction. */
interface Slot {
  readonly bucketId: string;
  readonly bucket: Buffer;
  readonly pk: string;
  readonly sk: string;
  readonly part: Buffer;
  readonly skBytes: Buffer;
  /** As committed before this transaction. */
  orig: DvvsItem | undefined;
  /** After the calls planned so far. */
  cur: DvvsItem | undefined;
}

interface Call {
  readonly bucketId: string;
  readonly writes?: readonly ItemWrite[];
  /** Restore: states merged into the items (write-plan.ts mergeIn), after `writes`. */
  readonly merges?: readonly StoredItem[];
  readonly range?: { readonly pk: string; readonly spec: RangeSpec };
  resolve(v: { changes: ItemChange[]; deleted: number }): void;
  reject(err: unknown): void;
}

export interface WriterOptions {
  readonly nodeId: bigint;
  readonly now: () => number;
  readonly maxValuesPerItem: number;
  readonly onCommitted: (changes: readonly ItemChange[]) => void;
  /** Commit figures for /metrics. */
  readonly observer?: StoreObserver | undefined;
  /** The bound of one statement, and of the wait for a connection (ms). */
  readonly boundMs: number;
  /** This process's claim of the node (its owner token is checked in every transaction). */
  readonly node: Pick<NodeClaim, 'owner' | 'lost' | 'markLost'>;
}

const MAX_ATTEMPTS = 4;
/** Writes one transaction takes from the queue (a call is never split; a larger one goes alone). */
const MAX_GROUP_WRITES = 4_000;

/** The columns of item rows to write, as arrays for `unnest`. */
function rowColumns(slots: readonly Slot[], nowMs: number): {
  parts: Buffer[];
  sks: Buffer[];
  items: Buffer[];
  tombs: (bigint | null)[];
  conflicts: boolean[];
} {
  const tomb = BigInt(Math.floor(nowMs));
  return {
    parts: slots.map((s) => s.part),
    sks: slots.map((s) => s.skBytes),
    items: slots.map((s) => encodeItem(s.pk, s.sk, s.cur!)),
    tombs: slots.map((s) => (isTombstoneOnly(s.cur!) ? tomb : null)),
    conflicts: slots.map((s) => values(s.cur!).length > 1),
  };
}

/** part is 32 bytes, so part ‖ sk names an item unambiguously. */
function slotId(part: Buffer, sk: Buffer): string {
  return part.toString('latin1') + sk.toString('latin1');
}

export class GroupWriter {
  private queue: Call[] = [];
  private running: Promise<void> | undefined;
  /** Committed write transactions (group commit makes it far lower than write calls). */
  commits = 0;
  /** Seconds of the last transaction's second round trip (its writes and COMMIT). */
  private lastCommitSeconds = 0;

  constructor(
    private readonly sql: Db,
    private readonly opts: WriterOptions,
  ) {}

  write(bucketId: string, writes: readonly ItemWrite[]): Promise<ItemChange[]> {
    return new Promise((resolve, reject) => {
      this.enqueue({ bucketId, writes, resolve: (v) => resolve(v.changes), reject });
    });
  }

  /** Resolves to the items that changed. */
  mergeItems(bucketId: string, merges: readonly StoredItem[]): Promise<ItemChange[]> {
    return new Promise((resolve, reject) => {
      this.enqueue({ bucketId, merges, resolve: (v) => resolve(v.changes), reject });
    });
  }

  deleteRange(bucketId: string, pk: string, spec: RangeSpec): Promise<{ changes: ItemChange[]; deleted: number }> {
    return new Promise((resolve, reject) => this.enqueue({ bucketId, range: { pk, spec }, resolve, reject }));
  }

  /** Resolves once every queued call has been committed or refused. */
  async drain(): Promise<void> {
    while (this.running !== undefined) await this.running;
  }

  private enqueue(call: Call): void {
    const obs = this.opts.observer;
    if (obs !== undefined) {
      obs.writeQueued();
      const { resolve, reject } = call;
      call = {
        ...call,
        resolve: (v) => {
          obs.writeSettled();
          resolve(v);
        },
        reject: (e) => {
          obs.writeSettled();
          reject(e);
        },
      };
    }
    this.queue.push(call);
    this.running ??= this.loop().finally(() => {
      this.running = undefined;
    });
  }

  private async loop(): Promise<void> {
    while (this.queue.length > 0) {
      // A DeleteBatch query runs alone; write calls that follow one another share a transaction.
      let n = 0;
      if (this.queue[0]!.range !== undefined) n = 1;
      else {
        let writes = 0;
        while (n < this.queue.length && this.queue[n]!.range === undefined && (n === 0 || writes < MAX_GROUP_WRITES)) {
          writes += (this.queue[n]!.writes?.length ?? 0) + (this.queue[n]!.merges?.length ?? 0);
          n++;
        }
      }
      const batch = this.queue.splice(0, n);
      await this.commitBatch(batch);
    }
  }

  private async commitBatch(batch: Call[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        const t0 = performance.now();
        const outcome = await this.transaction(batch);
        this.commits++;
        this.opts.observer?.committed(batch.length, (performance.now() - t0) / 1000, this.lastCommitSeconds);
        const all: ItemChange[] = [];
        for (let i = 0; i < batch.length; i++) {
          const o = outcome[i]!;
          if ('error' in o) batch[i]!.reject(o.error);
          else {
            all.push(...o.changes);
            batch[i]!.resolve(o);
          }
        }
        this.opts.onCommitted(all);
        return;
      } catch (err) {
        if (isRetryable(err) && attempt < MAX_ATTEMPTS) continue;
        const mapped = toStoreError(err, 'write transaction failed');
        for (const c of batch) c.reject(mapped);
        return;
      }
    }
  }

  private async transaction(batch: Call[]): Promise<({ changes: ItemChange[]; deleted: number } | { error: unknown })[]> {
    const me = nodeToDb(this.opts.nodeId);
    const slots = new Map<string, Slot>();
    const slotOf = (bucketId: string, bucket: Buffer, pk: string, sk: string): Slot => {
      const part = partOf(bucket, pk);
      const skBytes = utf8(sk);
      // By bytes, as the table's key: two strings with the same UTF-8 bytes are one item.
      const id = slotId(part, skBytes);
      let s = slots.get(id);
      if (s === undefined) {
        s = { bucketId, bucket, pk, sk, part, skBytes, orig: undefined, cur: undefined };
        slots.set(id, s);
      }
      return s;
    };
    for (const c of batch) {
      const bucket = bucketBytes(c.bucketId);
      for (const w of c.writes ?? []) slotOf(c.bucketId, bucket, w.pk, w.sk);
      for (const m of c.merges ?? []) slotOf(c.bucketId, bucket, m.pk, m.sk);
    }
    const ordered = [...slots.values()].sort((a, b) => a.part.compare(b.part) || a.skBytes.compare(b.skBytes));
    const parts = ordered.map((s) => s.part);
    const sks = ordered.map((s) => s.skBytes);
    const rangeCall = batch.length === 1 ? batch[0]!.range : undefined;

    const r = await reserve(this.sql, this.opts.boundMs);
    const c = r.tx;
    let open = false;
    try {
      // Round trip 1 (pipelined). Each statement through the reservation: bounded, and rejected
      // at once if the connection is lost (pg-transaction.ts).
      const begin = r.run(c`BEGIN`);
      open = true;
      const own = r.run(c<{ last: bigint; owner: string | null }[]>`SELECT last, owner FROM k2v_node WHERE node_id = ${me} FOR UPDATE`);
      const clocks = r.run(c<{ node_id: bigint; last: bigint }[]>`SELECT node_id, last FROM k2v_node`);
      const bucketIds = [...new Set(batch.map((x) => x.bucketId))].sort();
      const lockedBuckets = r.run(c`SELECT id FROM k2v_bucket WHERE id = ANY(${textArray(bucketIds)}::text[]) ORDER BY id FOR KEY SHARE`);
      // After the lock (next statement, fresh snapshot): a removal that committed meanwhile shows.
      const goneBuckets = r.run(c<{ id: string }[]>`SELECT id FROM k2v_bucket_gone WHERE id = ANY(${textArray(bucketIds)}::text[])`);
      let loaded: Promise<readonly { part: Buffer; sk: Buffer; item: Buffer }[]> = Promise.resolve([]);
      if (ordered.length > 0) {
        loaded = r.run(c<{ part: Buffer; sk: Buffer; item: Buffer }[]>`
          SELECT i.part, i.sk, i.item FROM unnest(${byteaArray(parts)}::bytea[], ${byteaArray(sks)}::bytea[]) AS k(part, sk)
          JOIN k2v_item i ON i.part = k.part AND i.sk = k.sk
          ORDER BY i.part, i.sk FOR UPDATE OF i`);
      }
      let inRange: Promise<readonly { item: Buffer }[]> = Promise.resolve([]);
      if (rangeCall !== undefined) {
        const part = partOf(bucketBytes(batch[0]!.bucketId), rangeCall.pk);
        const { prefix, start, end } = rangeCall.spec;
        inRange = r.run(c<{ item: Buffer }[]>`
          SELECT item FROM k2v_item
          WHERE part = ${part} AND tomb_since IS NULL
            ${rangeConditions(c, 'sk', { prefix, start, end, reverse: false })}
          ORDER BY sk FOR UPDATE`);
      }
      const [, ownRows, clockRows, , goneRows, loadedRows, rangeRows] = await Promise.all([begin, own, clocks, lockedBuckets, goneBuckets, loaded, inRange]);
      const gone = new Set(goneRows.map((r) => r.id));
      if (ownRows.length !== 1) throw new StoreError('Unavailable', `this server's node row ${this.opts.nodeId.toString(16)} is missing`);
      // Only the process that claimed the node last writes through it (pg-node.ts).
      if (ownRows[0]!.owner !== this.opts.node.owner) {
        this.opts.node.markLost('its row names another owner');
        throw this.opts.node.lost!;
      }

      for (const r of loadedRows) {
        const s = slots.get(slotId(r.part, r.sk));
        if (s === undefined) continue;
        s.orig = decodeItem(r.item).item;
        s.cur = s.orig;
      }
      let last = ownRows[0]!.last;
      const writerClocks = new Map<bigint, bigint>(clockRows.map((r) => [nodeFromDb(r.node_id), r.last]));
      const nowMs = this.opts.now();

      // Planning, call by call: each sees the items as the calls before it left them.
      const outcome: ({ changes: ItemChange[]; deleted: number } | { error: unknown })[] = [];
      for (const call of batch) {
        if (gone.has(call.bucketId)) {
          outcome.push({ error: new StoreError('NoSuchBucket', `bucket ${call.bucketId} was removed`) });
          continue;
        }
        const bucket = bucketBytes(call.bucketId);
        let writes = call.writes ?? [];
        let deleted = 0;
        if (call.range !== undefined) {
          const targets = rangeRows.map((r) => decodeItem(r.item));
          writes = rangeDeletion(call.range.pk, targets);
          deleted = writes.length;
          for (const t of targets) {
            const s = slotOf(call.bucketId, bucket, t.pk, t.sk);
            s.orig = t.item;
            s.cur = t.item;
          }
        }
        writerClocks.set(this.opts.nodeId, last);
        const plan = new WritePlan<Slot>(
          { nodeId: this.opts.nodeId, writerClocks, nowMs, maxValuesPerItem: this.opts.maxValuesPerItem },
          (pk, sk) => {
            const s = slotOf(call.bucketId, bucket, pk, sk);
            return { old: s.cur, ref: s };
          },
        );
        try {
          for (const w of writes) plan.apply(w);
          for (const m of call.merges ?? []) plan.mergeIn(m.pk, m.sk, m.item);
        } catch (err) {
          outcome.push({ error: err });
          continue;
        }
        const r = plan.result();
        for (const p of r.changed) p.ref.cur = p.cur;
        last = r.last;
        outcome.push({ changes: r.changed.map((p) => ({ bucketId: call.bucketId, pk: p.pk, sk: p.sk })), deleted });
      }

      // Round trip 2 (pipelined), ending with COMMIT.
      const changed = [...slots.values()].filter((s) => s.cur !== s.orig);
      const stmts: PendingQuery<readonly Row[]>[] = [];
      const updated = changed.filter((s) => s.orig !== undefined);
      const created = changed.filter((s) => s.orig === undefined).sort((a, b) => a.part.compare(b.part) || a.skBytes.compare(b.skBytes));
      if (updated.length > 0) {
        const cols = rowColumns(updated, nowMs);
        stmts.push(c`
          UPDATE k2v_item i SET item = u.item, tomb_since = u.tomb_since, conflict = u.conflict
          FROM unnest(${byteaArray(cols.parts)}::bytea[], ${byteaArray(cols.sks)}::bytea[],
                      ${byteaArray(cols.items)}::bytea[], ${int8Array(cols.tombs)}::int8[], ${boolArray(cols.conflicts)}::bool[])
               AS u(part, sk, item, tomb_since, conflict)
          WHERE i.part = u.part AND i.sk = u.sk`);
      }
      if (created.length > 0) {
        // A plain INSERT: if another server created one of these items since round 1, the
        // unique violation aborts the transaction (its COMMIT becomes a ROLLBACK) and the whole
        // group is retried, now finding and locking that item.
        const cols = rowColumns(created, nowMs);
        stmts.push(c`
          INSERT INTO k2v_item (part, sk, bucket, item, tomb_since, conflict)
          SELECT * FROM unnest(${byteaArray(cols.parts)}::bytea[], ${byteaArray(cols.sks)}::bytea[], ${byteaArray(created.map((s) => s.bucket))}::bytea[],
                               ${byteaArray(cols.items)}::bytea[], ${int8Array(cols.tombs)}::int8[], ${boolArray(cols.conflicts)}::bool[])`);
      }
      stmts.push(...this.counterStatements(c, changed));
      if (last !== ownRows[0]!.last) stmts.push(c`UPDATE k2v_node SET last = ${last} WHERE node_id = ${me}`);
      if (changed.length > 0) {
        const payloads = changed.map((s) => changePayload(this.opts.nodeId, s.bucketId, s.pk, s.sk));
        stmts.push(c`SELECT pg_notify(${CHANGES_CHANNEL}, p) FROM unnest(${textArray(payloads)}::text[]) AS p`);
      }
      const t1 = performance.now();
      // Every statement answered (the COMMIT's answer says whether it all committed), or the
      // connection lost: then the outcome is unknown and every call of the batch gets a 503.
      const settling = r.settleAll([...stmts, c`COMMIT`]);
      open = false;
      await settling;
      this.lastCommitSeconds = (performance.now() - t1) / 1000;
      return outcome;
    } catch (err) {
      if (open) await r.abort(err);
      throw err;
    } finally {
      r.end();
    }
  }

  /** Counter deltas per partition and item counts per bucket, in (bucket, pk) order. */
  private counterStatements(c: Db, changed: readonly Slot[]): PendingQuery<readonly Row[]>[] {
    const deltas = new Map<string, { bucket: Buffer; pk: Buffer; d: CountsSum }>();
    const created = new Map<string, { bucket: Buffer; n: number }>();
    for (const s of changed) {
      const id = `${s.bucketId}/${s.pk}`;
      let e = deltas.get(id);
      if (e === undefined) {
        e = { bucket: s.bucket, pk: utf8(s.pk), d: zeroSum() };
        deltas.set(id, e);
      }
      addCountsOf(e.d, s.cur!, 1);
      if (s.orig !== undefined) addCountsOf(e.d, s.orig, -1);
      else {
        const b = created.get(s.bucketId) ?? { bucket: s.bucket, n: 0 };
        b.n++;
        created.set(s.bucketId, b);
      }
    }
    const rows = [...deltas.values()]
      .filter(({ d }) => d.entries !== 0 || d.conflicts !== 0 || d.values !== 0 || d.bytes !== 0)
      .sort((a, b) => a.bucket.compare(b.bucket) || a.pk.compare(b.pk));
    const out: PendingQuery<readonly Row[]>[] = [];
    if (rows.length > 0) {
      const b = byteaArray(rows.map((r) => r.bucket));
      const p = byteaArray(rows.map((r) => r.pk));
      out.push(c`
        INSERT INTO k2v_counter (bucket, pk, n_entries, n_conflicts, n_values, n_bytes)
        SELECT * FROM unnest(${b}::bytea[], ${p}::bytea[], ${int8Array(rows.map((r) => BigInt(r.d.entries)))}::int8[],
                             ${int8Array(rows.map((r) => BigInt(r.d.conflicts)))}::int8[], ${int8Array(rows.map((r) => BigInt(r.d.values)))}::int8[],
                             ${int8Array(rows.map((r) => BigInt(r.d.bytes)))}::int8[])
        ORDER BY 1, 2
        ON CONFLICT (bucket, pk) DO UPDATE SET
          n_entries = k2v_counter.n_entries + EXCLUDED.n_entries, n_conflicts = k2v_counter.n_conflicts + EXCLUDED.n_conflicts,
          n_values = k2v_counter.n_values + EXCLUDED.n_values, n_bytes = k2v_counter.n_bytes + EXCLUDED.n_bytes`);
      out.push(c`
        DELETE FROM k2v_counter k USING unnest(${b}::bytea[], ${p}::bytea[]) AS u(bucket, pk)
        WHERE k.bucket = u.bucket AND k.pk = u.pk AND k.n_entries = 0 AND k.n_conflicts = 0 AND k.n_values = 0 AND k.n_bytes = 0`);
    }
    if (created.size > 0) {
      const buckets = [...created.values()].sort((a, b) => a.bucket.compare(b.bucket));
      out.push(c`
        INSERT INTO k2v_bucket_items (bucket, node_id, items)
        SELECT b, ${nodeToDb(this.opts.nodeId)}, n FROM unnest(${byteaArray(buckets.map((x) => x.bucket))}::bytea[], ${int8Array(buckets.map((x) => BigInt(x.n)))}::int8[]) AS u(b, n)
        ON CONFLICT (bucket, node_id) DO UPDATE SET items = k2v_bucket_items.items + EXCLUDED.items`);
    }
    return out;
  }
}
