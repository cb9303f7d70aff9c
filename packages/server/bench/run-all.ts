/**
 * One benchmark run: the bare server, etcd and the K2V server are started (and loaded) first and
 * stay up together; then each throughput workload is measured on the three in a row — the bare
 * ceiling, K2V, the etcd equivalent — so that each ratio compares figures taken within a few
 * seconds of each other, even when the machine's load changes during the run. Idle servers cost
 * the measured one nothing.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchContext } from './context.js';
import type { RequestFile } from './load/request-file.js';
import type { WorkloadName } from './options.js';
import type { Results, ScaleRow } from './results.js';
import { K2vSigner } from './sign.js';
import { spawnUntil, stopChild } from './targets/child-process.js';
import { EtcdTarget } from './targets/etcd-target.js';
import { K2vTarget } from './targets/k2v-target.js';
import { drive, type Measured, type MeasuredServer } from './workloads/drive.js';
import type { K2vBucket } from './workloads/k2v-requests.js';
import { mix } from './workloads/mix.js';
import { churn, idlePolls, wakeups } from './workloads/polls.js';
import {
  etcdPut,
  etcdRange,
  etcdRangePartition,
  etcdTxn,
  k2vInsertBatch,
  k2vInsertItem,
  k2vReadBatch,
  k2vReadIndex,
  k2vReadItem,
  readItemFile,
} from './workloads/throughput.js';

const BARE_SERVER = fileURLToPath(new URL('./targets/bare-server.js', import.meta.url));

export interface RunAllOptions {
  readonly root: string;
  readonly withEtcd: boolean;
  /** Where CPU profiles go (--profile), else undefined. */
  readonly profileDir: string | undefined;
  /** Called for every measured run (errors and wrap-arounds become notes). */
  readonly note: (what: string, m: Measured | undefined) => Measured | undefined;
  /** Something went wrong that a smoke run must fail on. */
  readonly failure: (what: string) => void;
}

export async function runAll(ctx: BenchContext, r: Results, o: RunAllOptions): Promise<void> {
  const { opts, log } = ctx;
  const want = (w: WorkloadName) => opts.only.has(w);
  const note = o.note;
  const stops: (() => Promise<void>)[] = [];
  try {
    // 1. Start the three servers.
    let ceiling: ((before: string) => Promise<Measured | undefined>) | undefined;
    if (want('bare')) {
      log('bare node:http server: starting');
      const { child, match } = await spawnUntil(process.execPath, [BARE_SERVER], /BARE_READY (\d+)/);
      stops.push(() => stopChild(child));
      const target = { host: '127.0.0.1', port: Number(match[1]) };
      const server: MeasuredServer = { pid: child.pid ?? 0, target };
      // The same kind of request as ReadItem's (the server answers 204 without looking at it).
      const signer = new K2vSigner(target, { accessKeyId: 'GKbare', secretAccessKey: 'bare' }, 'garage');
      const file: RequestFile = readItemFile(ctx, { alias: 'bench', bucketId: '', signer }, Math.max(opts.items, 1), 1, 'bare');
      ceiling = async (before) => {
        log(`bare: ceiling before ${before}`);
        const m = note(`bare (before ${before})`, await drive(ctx.drive, server, file));
        if (m !== undefined) r.bareRuns.push(m);
        return m;
      };
    }
    const needsEtcd = want('read-item') || want('insert-item') || want('insert-batch') || want('read-batch');
    let etcd: EtcdTarget | undefined;
    if (o.withEtcd && needsEtcd) {
      log('etcd: starting');
      etcd = await EtcdTarget.start(path.join(o.root, 'etcd'));
      const e = etcd;
      stops.push(() => e.stop());
      log(`etcd: preloading ${opts.items} keys`);
      const s = await etcd.preload(0, opts.items);
      r.notes.push(`etcd preload: ${opts.items.toLocaleString('en-US')} keys in ${s.toFixed(1)} s (txns of 1000 puts).`);
    }
    log('K2V server: starting');
    if (o.profileDir !== undefined) mkdirSync(o.profileDir, { recursive: true });
    const profileDir = o.profileDir;
    const k2v = await K2vTarget.start({ dataDir: path.join(o.root, 'k2v'), workers: opts.workers, nodeFlags: opts.serverFlags });
    stops.push(async () => {
      log('K2V server: stopping');
      await k2v.stop();
    });
    const server: MeasuredServer = {
      pid: k2v.pid,
      target: k2v.target,
      profiler:
        profileDir === undefined
          ? undefined
          : { start: () => k2v.profileStart(), stop: (name) => k2v.profileStop(path.join(profileDir, `${name}.cpuprofile`)) },
    };
    const created = await k2v.createBucket('bench');
    const b: K2vBucket = { alias: 'bench', bucketId: created.bucketId, signer: created.signer };
    let loaded = 0;
    const grow = async (to: number): Promise<number> => {
      if (to <= loaded) return 0;
      log(`K2V: preloading items ${loaded} .. ${to}`);
      const p = await k2v.preload(b.bucketId, { layout: 'grid', from: loaded, to });
      loaded = to;
      log(`K2V: preloaded ${p.items} items in ${p.seconds.toFixed(1)} s`);
      return p.seconds;
    };

    // 2. ReadItem and InsertItem at every store size; at the main size, next to bare and etcd.
    const scalePoint = async (items: number): Promise<ScaleRow> => {
      const preloadSeconds = await grow(items);
      const main = items === opts.items;
      const row: { items: number; preloadSeconds: number; readItem?: Measured; insertItem?: Measured } = { items, preloadSeconds };
      if (want('scale') || (main && want('read-item'))) {
        const bare = main && want('read-item') ? await ceiling?.('ReadItem') : undefined;
        log(`K2V: ReadItem over ${items} items`);
        row.readItem = note(`ReadItem (${items} items)`, await k2vReadItem(ctx, server, b, items, 10 + items));
        if (main && want('read-item')) {
          const e = etcd === undefined ? undefined : note('etcd range', await etcdRange(ctx, etcd, opts.items, 2));
          r.rows.push({ workload: 'ReadItem', bare, k2v: row.readItem, etcdLabel: 'range (1 key)', etcd: e });
        }
      }
      if (want('scale') || (main && want('insert-item'))) {
        const bare = main && want('insert-item') ? await ceiling?.('InsertItem') : undefined;
        log(`K2V: InsertItem with ${items} items`);
        row.insertItem = note(`InsertItem (${items} items)`, await k2vInsertItem(ctx, server, k2v, b, items, 20 + items));
        if (main && want('insert-item')) {
          const e = etcd === undefined ? undefined : note('etcd put', await etcdPut(ctx, etcd, opts.items, 3));
          r.rows.push({ workload: 'InsertItem', bare, k2v: row.insertItem, etcdLabel: 'put', etcd: e });
        }
      }
      return row;
    };
    for (const items of opts.scalePoints.filter((n) => n <= opts.items)) {
      const row = await scalePoint(items);
      if (want('scale')) r.scale.push(row);
    }
    await grow(opts.items);

    // 3. The other throughput workloads, each next to its ceiling and its etcd equivalent.
    if (want('insert-batch')) {
      const bare = await ceiling?.('InsertBatch');
      log('K2V: InsertBatch');
      const k = note('InsertBatch', await k2vInsertBatch(ctx, server, b));
      const e = etcd === undefined ? undefined : note('etcd txn', await etcdTxn(ctx, etcd));
      r.rows.push({ workload: 'InsertBatch', bare, k2v: k, etcdLabel: 'txn of 100 puts', etcd: e });
    }
    if (want('read-batch')) {
      const bare = await ceiling?.('ReadBatch');
      log('K2V: ReadBatch');
      const k = note('ReadBatch', await k2vReadBatch(ctx, server, b, opts.items, 5));
      const e = etcd === undefined ? undefined : note('etcd range of a partition', await etcdRangePartition(ctx, etcd, opts.items, 4));
      r.rows.push({ workload: 'ReadBatch', bare, k2v: k, etcdLabel: 'range of 100 keys', etcd: e });
    }
    if (want('read-index')) {
      const bare = await ceiling?.('ReadIndex');
      log('K2V: ReadIndex');
      r.rows.push({ workload: 'ReadIndex', bare, k2v: note('ReadIndex', await k2vReadIndex(ctx, server, b, opts.items, 6)) });
    }

    // 4. Long polls.
    if (want('idle-polls')) {
      for (const kind of ['PollItem', 'PollRange'] as const) {
        log(`K2V: ${opts.polls} idle ${kind}`);
        r.idle.push(await idlePolls(ctx, k2v, b, kind, opts.polls, opts.items));
      }
    }
    if (want('wakeup')) {
      log(`K2V: ${opts.wakeups} wake-ups`);
      r.wakeup = await wakeups(k2v, b, opts.wakeups);
      if (opts.wideRange > 0) {
        // Each round waits for its watchers' first reads of the whole range: fewer rounds.
        const n = Math.min(opts.wakeups, 200);
        log(`K2V: ${n} wake-ups, PollRange over ${opts.wideRange} items`);
        r.wakeupWide = await wakeups(k2v, b, n, opts.wideRange);
      }
    }
    if (want('churn')) {
      log(`K2V: churn of ${opts.churnRate} abandoned polls/s for ${opts.churnS} s`);
      r.churn = await churn(k2v, b, opts.churnRate, opts.churnS, opts.items);
      if (r.churn.answered > 0) r.notes.push(`churn: ${r.churn.answered} polls were answered before being abandoned.`);
    }

    // 5. The Aerogramme-like mix, in its own bucket.
    if (want('mix')) {
      r.mixBare = await ceiling?.('the mix');
      log(`K2V: Aerogramme-like mix, ${opts.mailboxes} mailboxes x 2 x ${opts.mailboxRows} rows`);
      const mailBucket = await k2v.createBucket('mail');
      const mb: K2vBucket = { alias: 'mail', bucketId: mailBucket.bucketId, signer: mailBucket.signer };
      r.mix = await mix(ctx, k2v, server, mb, opts.mailboxes, opts.mailboxRows);
      note('mix', r.mix);
      if (r.mix.watcherFailures.length > 0) {
        o.failure(`mix: ${r.mix.watcherFailures.length} watcher(s) failed, e.g. ${r.mix.watcherFailures[0]}`);
      }
      r.notes.push(
        `mix: ${r.mix.items.toLocaleString('en-US')} rows preloaded in ${r.mix.preloadSeconds.toFixed(1)} s; watchers answered ${r.mix.watcherResponses} times during the run.`,
      );
    }

    // 6. Larger stores last: loading them changes every figure after.
    for (const items of opts.scalePoints.filter((n) => n > opts.items)) {
      if (want('scale')) r.scale.push(await scalePoint(items));
    }
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    if (o.profileDir !== undefined) log(`CPU profiles of the K2V server's measured runs in ${o.profileDir}`);
  }
}
