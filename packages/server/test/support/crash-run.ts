/**
 * What the crash tests share around their writers (crash-writer.ts): the gate the controller flips
 * around kills, the items each writer owns, and the final check of the whole bucket against the
 * writers' model (every item at its last acknowledged state, or at the one unanswered write after
 * it; nothing nobody wrote; ReadIndex counters equal to a recount).
 */
import assert from 'node:assert/strict';
import { assertIndexMatches, readPartitions } from './bucket-check.js';
import { CrashWriter, type Gate, type TrackedItem } from './crash-writer.js';
import { sameState as sameAsWritten, sameValues, showState } from './item-model.js';
import { Rng } from './rng.js';
import type { Tenant } from './server-process.js';
import { SignedClient, type K2vRequest, type K2vResponse } from './signed-client.js';

/** Tells writers whether the server is up; the controller flips it around each kill. */
export class Controller implements Gate {
  stopping = false;
  private up = false;
  private waiters: ((up: boolean) => void)[] = [];

  whenUp(): Promise<boolean> {
    if (this.stopping) return Promise.resolve(false);
    if (this.up) return Promise.resolve(true);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  setUp(): void {
    this.up = true;
    this.release(true);
  }

  setDown(): void {
    this.up = false;
  }

  stop(): void {
    this.stopping = true;
    this.release(false);
  }

  private release(up: boolean): void {
    const ws = this.waiters;
    this.waiters = [];
    for (const w of ws) w(up);
  }
}

/** Items of writer `w`: its own partition, plus a few keys in a partition all writers share. */
export function itemsOf(w: number): TrackedItem[] {
  const item = (pk: string, sk: string, mode: 'replace' | 'append'): TrackedItem => ({
    pk,
    sk,
    mode,
    state: undefined,
    token: undefined,
    pending: undefined,
  });
  const own = `crash-w${w}`;
  return [
    ...Array.from({ length: 8 }, (_, j) => item(own, `r${j}${j % 3 === 0 ? '-é' : ''}`, 'replace')),
    ...Array.from({ length: 2 }, (_, j) => item(own, `a${j}`, 'append')),
    ...Array.from({ length: 3 }, (_, j) => item('crash-shared', `w${w}-r${j}`, 'replace')),
    item('crash-shared', `w${w}-a0`, 'append'),
  ];
}

/** A client that sends each request to one of several servers of the same store, at random. */
export function spreadOver(clients: readonly SignedClient[], rng: Rng): Pick<SignedClient, 'request'> {
  return { request: (req: K2vRequest): Promise<K2vResponse> => rng.pick(clients).request(req) };
}

/**
 * `count` writers for several servers (crash-postgres, pg-failover): each has its own client per
 * server (pushed to `clients`, for closing) and sends every request to one of them at random, so a
 * write through one server is read back through another; a 503 is an unknown outcome (database down).
 */
export function writersOverServers(
  count: number,
  servers: readonly string[],
  tenant: Tenant,
  gate: Gate,
  seed: number,
  failures: string[],
  clients: SignedClient[],
): CrashWriter[] {
  return Array.from({ length: count }, (_, w) => {
    const own = servers.map((url) => new SignedClient({ url, ...tenant, maxSockets: 2, timeoutMs: 30_000 }));
    clients.push(...own);
    return new CrashWriter(w, spreadOver(own, new Rng(seed + 100 + w)), tenant.bucket, itemsOf(w), gate, new Rng(seed + 1 + w), failures, {
      unavailableIsUnknown: true,
      severalNodes: true,
    });
  });
}

export interface BucketVerdict {
  /** Items whose last write was unanswered, found landed / not landed. */
  readonly pendingLanded: number;
  readonly pendingNot: number;
  readonly partitions: number;
}

/**
 * The whole bucket, read through `verifier`, against the writers' model (see the file comment);
 * `severalNodes`: written through several servers, so concurrent values compare in any order.
 */
export async function assertBucketMatches(
  verifier: SignedClient,
  bucket: string,
  writers: readonly CrashWriter[],
  opts: { readonly severalNodes?: boolean } = {},
): Promise<BucketVerdict> {
  const sameState = opts.severalNodes === true ? sameValues : sameAsWritten;
  const all = writers.flatMap((w) => [...w.items]);
  const pks = [...new Set(all.map((i) => i.pk))].sort();
  const listed = await readPartitions(verifier, bucket, pks);
  let pendingLanded = 0;
  let pendingNot = 0;
  for (const item of all) {
    const got = listed.get(item.pk)?.get(item.sk);
    const where = `${item.pk}/${item.sk}`;
    if (item.pending === undefined) {
      assert.ok(sameState(got, item.state), `${where}: expected ${showState(item.state)}, read ${showState(got)}`);
    } else if (sameState(got, item.pending.ifLanded)) {
      pendingLanded++;
    } else {
      assert.ok(
        sameState(got, item.pending.prior),
        `${where}: expected ${showState(item.pending.prior)} or ${showState(item.pending.ifLanded)}, read ${showState(got)}`,
      );
      pendingNot++;
    }
  }
  const tracked = new Set(all.map((i) => `${i.pk}/${i.sk}`));
  const unknown = [...listed].flatMap(([pk, part]) => [...part.keys()].map((sk) => `${pk}/${sk}`)).filter((k) => !tracked.has(k));
  assert.deepEqual(unknown, [], 'items nobody wrote');
  const partitions = await assertIndexMatches(verifier, bucket, listed);
  return { pendingLanded, pendingNot, partitions };
}

/** Sum of one writer statistic over all writers. */
export const sumStats = (writers: readonly CrashWriter[], f: (s: CrashWriter['stats']) => number): number =>
  writers.reduce((n, w) => n + f(w.stats), 0);
