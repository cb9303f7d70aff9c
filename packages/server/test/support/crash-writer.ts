/**
 * One logical writer of the crash test: it alone writes its items, one operation at a time, with
 * InsertItem, DeleteItem and InsertBatch, always sending the token of its latest read (or, for
 * "append" items, no token, so values accumulate). So after every write the exact state of each
 * item is known (item-model.ts), and every write is checked by the next read of the item:
 * - acknowledged (204): the read must show exactly the state the write produced, even when that
 *   read happens only after the server was killed and restarted (an acknowledged write is durable);
 * - no answer (the server was killed): the read must show the state before or after the write,
 *   and an InsertBatch must have landed entirely or not at all.
 * A write is always followed by that read before the next write, so each item has at most one
 * write whose outcome is unknown.
 */
import { afterWrite, fromWire, sameState as sameAsWritten, sameValues, showState, toWire, type State, type Val } from './item-model.js';
import type { Rng } from './rng.js';
import { describe, enc, tokenOf, TransportError, type K2vResponse, type SignedClient } from './signed-client.js';

export interface TrackedItem {
  readonly pk: string;
  readonly sk: string;
  /** 'replace': writes carry the latest token; 'append': token-less InsertItem adds a value. */
  readonly mode: 'replace' | 'append';
  /** The state after the last write whose outcome is known. */
  state: State;
  /** Token of the latest read of `state` (undefined when the item does not exist). */
  token: string | undefined;
  /** A write whose outcome is not known yet. */
  pending: { readonly prior: State; readonly ifLanded: Val[] } | undefined;
}

/** The run's state as the writers see it. */
export interface Gate {
  /** Resolves true once the server is up, false when the run is over. */
  whenUp(): Promise<boolean>;
  readonly stopping: boolean;
}

export interface WriterStats {
  /** Item writes acknowledged with 204 (an InsertBatch counts each entry). */
  acked: number;
  /** Acknowledged item writes whose state was read back exactly. */
  ackedVerified: number;
  /** Item writes sent without an answer (server killed). */
  unknown: number;
  unknownLanded: number;
  unknownNotLanded: number;
  insertItem: number;
  deleteItem: number;
  insertBatch: number;
  /** Writes answered 503 (only with `unavailableIsUnknown`: the database was down). */
  unavailable: number;
  /** Reads answered 503 (and retried), with `unavailableIsUnknown`. */
  unavailableReads: number;
}

export interface CrashWriterOptions {
  /**
   * A 503 answer means "outcome unknown" (a write) or "read again" (a read) instead of a failure:
   * for servers whose database may be down (PostgreSQL), where a 503 is the contract.
   */
  readonly unavailableIsUnknown?: boolean;
  /** Writes go through several servers (nodes): concurrent values compare in any order. */
  readonly severalNodes?: boolean;
}

/** Append items collapse to one value (a token write) before they reach this many values. */
const APPEND_CAP = 30;

interface PlannedWrite {
  readonly item: TrackedItem;
  readonly value: Val;
  readonly withToken: boolean;
}

export class CrashWriter {
  readonly stats: WriterStats = {
    acked: 0,
    ackedVerified: 0,
    unknown: 0,
    unknownLanded: 0,
    unknownNotLanded: 0,
    insertItem: 0,
    deleteItem: 0,
    insertBatch: 0,
    unavailable: 0,
    unavailableReads: 0,
  };
  private seq = 0;

  constructor(
    readonly id: number,
    private readonly client: Pick<SignedClient, 'request'>,
    private readonly bucket: string,
    readonly items: readonly TrackedItem[],
    private readonly gate: Gate,
    private readonly rng: Rng,
    private readonly failures: string[],
    private readonly opts: CrashWriterOptions = {},
  ) {}

  /** Whether `res` is a 503 this writer takes for an unknown outcome. */
  private unavailable(res: K2vResponse): boolean {
    return this.opts.unavailableIsUnknown === true && res.status === 503;
  }

  async run(): Promise<void> {
    while (!this.gate.stopping) {
      if (!(await this.gate.whenUp())) return;
      await this.step();
    }
  }

  private async step(): Promise<void> {
    const r = this.rng.next();
    const replace = this.items.filter((i) => i.mode === 'replace');
    const append = this.items.filter((i) => i.mode === 'append');
    if (r < 0.2) {
      const k = 2 + this.rng.int(5);
      const chosen = this.rng.sample(this.items, k).map((item) => this.plan(item, this.rng.next() < 0.25));
      this.stats.insertBatch++;
      await this.send(chosen, () => this.insertBatch(chosen));
    } else if (r < 0.4) {
      const w = this.plan(this.rng.pick(replace), true);
      this.stats.deleteItem++;
      await this.send([w], () => this.single('DELETE', w));
    } else {
      const w = this.plan(this.rng.pick(r < 0.55 ? append : replace), false);
      this.stats.insertItem++;
      await this.send([w], () => this.single('PUT', w));
    }
  }

  /** What to write to `item`: a tombstone only on replace items; token-less only on short append items. */
  private plan(item: TrackedItem, tombstone: boolean): PlannedWrite {
    if (item.mode === 'append') {
      const withToken = (item.state?.length ?? 0) >= APPEND_CAP;
      return { item, value: this.newValue(false), withToken };
    }
    return { item, value: tombstone ? null : this.newValue(true), withToken: true };
  }

  /** A value no other write uses (except the empty one, on replace items), of varied size. */
  private newValue(mayBeEmpty: boolean): string {
    const r = this.rng.next();
    if (mayBeEmpty && r < 0.03) return '';
    const tag = `w${this.id}.${++this.seq}:`;
    const size = r < 0.7 ? this.rng.int(200) : r < 0.95 ? 200 + this.rng.int(4000) : 10_000 + this.rng.int(90_000);
    return tag + 'abcdefghijklmnopqrstuvwxyz'.repeat(Math.ceil(size / 26)).slice(0, size);
  }

  private single(method: 'PUT' | 'DELETE', w: PlannedWrite): Promise<K2vResponse> {
    const headers: Record<string, string> = {};
    if (w.withToken && w.item.token !== undefined) headers['x-garage-causality-token'] = w.item.token;
    return this.client.request({
      method,
      path: `/${this.bucket}/${enc(w.item.pk)}?sort_key=${enc(w.item.sk)}`,
      headers,
      ...(method === 'PUT' ? { body: w.value ?? '' } : {}),
    });
  }

  private insertBatch(ws: readonly PlannedWrite[]): Promise<K2vResponse> {
    const body = ws.map((w) => ({
      pk: w.item.pk,
      sk: w.item.sk,
      ct: w.withToken ? (w.item.token ?? null) : null,
      v: toWire(w.value),
    }));
    return this.client.request({ method: 'POST', path: `/${this.bucket}`, body: JSON.stringify(body) });
  }

  /** Sends one write, records its outcome, then reads its items back (see the file comment). */
  private async send(ws: readonly PlannedWrite[], request: () => Promise<K2vResponse>): Promise<void> {
    const items = ws.map((w) => w.item);
    const planned = ws.map((w) => ({ prior: w.item.state, ifLanded: afterWrite(w.item.state, w.value, w.withToken) }));
    let res: K2vResponse | undefined;
    try {
      res = await request();
    } catch (err) {
      if (!(err instanceof TransportError)) throw err;
    }
    if (res !== undefined && res.status === 204) {
      ws.forEach((w, i) => {
        w.item.state = planned[i]!.ifLanded;
        w.item.token = undefined;
      });
      this.stats.acked += ws.length;
    } else {
      if (res !== undefined && this.unavailable(res)) this.stats.unavailable += ws.length;
      else if (res !== undefined) this.failures.push(`writer ${this.id}: a write was answered ${describe(res)}`);
      ws.forEach((w, i) => (w.item.pending = planned[i]));
      this.stats.unknown += ws.length;
    }
    await this.refresh(items);
  }

  /** Reads `items` back (retrying across restarts) and checks them against the model. */
  async refresh(items: readonly TrackedItem[]): Promise<void> {
    for (;;) {
      if (!(await this.gate.whenUp())) return;
      let observed: { state: State; token: string | undefined }[];
      try {
        observed = await this.read(items);
      } catch (err) {
        if (!(err instanceof TransportError)) throw err;
        await new Promise((r) => setTimeout(r, 10));
        continue;
      }
      this.check(items, observed);
      return;
    }
  }

  private check(items: readonly TrackedItem[], observed: readonly { state: State; token: string | undefined }[]): void {
    const sameState = this.opts.severalNodes === true ? sameValues : sameAsWritten;
    let landed = 0;
    let notLanded = 0;
    items.forEach((item, i) => {
      const o = observed[i]!;
      const where = `writer ${this.id} item ${item.pk}/${item.sk}`;
      const p = item.pending;
      if (p === undefined) {
        if (sameState(o.state, item.state)) this.stats.ackedVerified++;
        else this.failures.push(`${where}: acknowledged state ${showState(item.state)} but read ${showState(o.state)}`);
      } else if (sameState(o.state, p.ifLanded)) {
        this.stats.unknownLanded++;
        if (!sameState(p.prior, p.ifLanded)) landed++;
      } else if (sameState(o.state, p.prior)) {
        this.stats.unknownNotLanded++;
        notLanded++;
      } else {
        this.failures.push(
          `${where}: unacknowledged write: read ${showState(o.state)}, expected ${showState(p.prior)} or ${showState(p.ifLanded)}`,
        );
      }
      item.state = o.state;
      item.token = o.token;
      item.pending = undefined;
    });
    if (landed > 0 && notLanded > 0) {
      this.failures.push(`writer ${this.id}: an InsertBatch landed partly (${landed} landed, ${notLanded} not)`);
    }
  }

  /** ReadItem for one item, ReadBatch (singleItem, tombstones) for several. */
  private async read(items: readonly TrackedItem[]): Promise<{ state: State; token: string | undefined }[]> {
    if (items.length === 1) {
      const item = items[0]!;
      const res = await this.client.request({
        path: `/${this.bucket}/${enc(item.pk)}?sort_key=${enc(item.sk)}`,
        headers: { accept: 'application/json' },
      });
      if (res.status === 404) return [{ state: undefined, token: undefined }];
      if (this.unavailable(res)) {
        this.stats.unavailableReads++;
        throw new TransportError(`ReadItem: ${describe(res)}`);
      }
      if (res.status !== 200) throw new Error(`ReadItem ${item.pk}/${item.sk}: ${describe(res)}`);
      return [{ state: fromWire(JSON.parse(res.body.toString('utf8')) as (string | null)[]), token: tokenOf(res) }];
    }
    const queries = items.map((i) => ({ partitionKey: i.pk, start: i.sk, singleItem: true, tombstones: true }));
    const res = await this.client.request({ method: 'POST', path: `/${this.bucket}?search`, body: JSON.stringify(queries) });
    if (this.unavailable(res)) {
      this.stats.unavailableReads++;
      throw new TransportError(`ReadBatch: ${describe(res)}`);
    }
    if (res.status !== 200) throw new Error(`ReadBatch: ${describe(res)}`);
    const results = JSON.parse(res.body.toString('utf8')) as { items: { sk: string; ct: string; v: (string | null)[] }[] }[];
    return results.map((r) => {
      const found = r.items[0];
      return found === undefined ? { state: undefined, token: undefined } : { state: fromWire(found.v), token: found.ct };
    });
  }
}
