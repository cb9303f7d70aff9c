/**
 * The server's Prometheus metrics (prom-client), served by the admin listener at `GET /metrics`.
 *
 * Garage's names for the APIs (src/api/common/generic_server.rs): `api_<api>_request_counter`,
 * `api_<api>_error_counter` (every 4xx and 5xx, with `status_code`) and
 * `api_<api>_request_duration` (seconds, Garage's bucket boundaries), labelled `api_endpoint`
 * with the endpoint's name; as in Garage, only requests that were routed to an endpoint count.
 * Then what Garage cannot show: commits, writes waiting, long polls held, open connections, the
 * store's size, and the process (prom-client's default metrics, once per process).
 *
 * With `--workers N`, each worker has its own figures; `GET /metrics`, whichever worker answers
 * it, gathers every worker's through the primary (server/workers/cluster-metrics.ts) and shows
 * their sums (prom-client's AggregatorRegistry), except the store's sizes, which are one
 * environment's (the largest any worker reports).
 */
import type { Server } from 'node:net';
import { AggregatorRegistry, collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { PollRangeRead } from '../http/poll-range-logs.js';
import type { ResponseObserver } from '../http/respond.js';
import type { StoreObserver, StoreSize } from '../store/store-metrics.js';

/** Garage's histogram boundaries (src/garage/server.rs), in seconds. */
const GARAGE_BUCKETS = [
  0.001, 0.0015, 0.002, 0.003, 0.005, 0.007, 0.01, 0.015, 0.02, 0.03, 0.05, 0.07, 0.1, 0.15, 0.2, 0.3, 0.5, 0.7, 1, 1.5, 2, 3, 5, 7,
  10, 15, 20, 30, 40, 50, 60, 70, 100,
];
const COMMIT_BUCKETS = [0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5];
const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];

export interface ServerMetrics {
  /** The K2V listener's requests (api_k2v_*). */
  readonly k2v: ResponseObserver;
  /** The admin listener's requests (api_admin_*). */
  readonly admin: ResponseObserver;
  readonly store: StoreObserver;
  /** Open connections of a listener, read when metrics are read. */
  trackListener(listener: 'k2v' | 'admin', server: Server): void;
  /** Long polls held, read when metrics are read. */
  trackPolls(size: () => number): void;
  /** PollRange checks so far by what they read (the whole range, or only changed items). */
  trackPollRangeChecks(checks: () => Readonly<Record<PollRangeRead, number>>): void;
  readonly contentType: string;
  /** The text exposition of every metric, the process's included (every worker's, with workers). */
  render(): Promise<string>;
  /** This process's metrics, as prom-client's JSON (what a worker hands the primary). */
  json(): Promise<object[]>;
  /** With workers: `render()` shows what `gather` returns (every worker's metrics, summed). */
  gatherWith(gather: () => Promise<string>): void;
}

/** The text exposition of several processes' metrics (ServerMetrics.json()), summed. */
export function aggregateMetrics(parts: readonly object[][]): Promise<string> {
  return AggregatorRegistry.aggregate(parts as object[][] as unknown as object[]).metrics();
}

let processRegistry: Registry | undefined;

/** Process metrics are the process's, not one server's: collected once (tests start many servers). */
function processMetrics(): Registry {
  if (processRegistry === undefined) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

export function createServerMetrics(): ServerMetrics {
  const registry = new Registry();
  const k2v = apiMetrics(registry, 'k2v', 'K2V');
  const admin = apiMetrics(registry, 'admin', 'admin');

  const batch = new Histogram({
    name: 'k2v_store_commit_batch_size',
    help: 'Writes carried by one durable commit (group commit: write calls, DeleteBatch and GC chunks)',
    buckets: BATCH_BUCKETS,
    registers: [registry],
  });
  const commit = new Histogram({
    name: 'k2v_store_commit_duration_seconds',
    help: 'Seconds from the first write of a commit being applied to the commit being durable',
    buckets: COMMIT_BUCKETS,
    registers: [registry],
  });
  const sync = new Histogram({
    name: 'k2v_store_commit_sync_duration_seconds',
    help: 'Seconds of the commit proper, after its last write was applied: page writes and fsync',
    buckets: COMMIT_BUCKETS,
    registers: [registry],
  });
  // Changed twice per write: a plain number, read when metrics are read.
  let waiting = 0;
  new Gauge({
    name: 'k2v_store_writes_waiting',
    help: 'Writes waiting for their commit to be durable',
    registers: [registry],
    collect() {
      this.set(waiting);
    },
  });
  let probe: (() => StoreSize) | undefined;
  const sized = (name: string, help: string, pick: (s: StoreSize) => number | undefined) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      aggregator: 'max',
      collect() {
        const v = probe === undefined ? undefined : pick(probe());
        if (v === undefined) this.reset();
        else this.set(v);
      },
    });
  sized('k2v_store_used_bytes', 'Bytes of data in the store, as the map budget counts them', (s) => s.usedBytes);
  sized('k2v_store_map_limit_bytes', 'The map budget (mapSizeBytes): writes adding data are refused beyond it', (s) => s.limitBytes);
  sized('k2v_store_file_bytes', 'Size of the data file (data.mdb), free pages kept for reuse included', (s) => s.fileBytes);
  sized('k2v_store_disk_free_bytes', 'Bytes free for the server on the file system of the data directory', (s) => s.diskFreeBytes);

  let polls: (() => number) | undefined;
  new Gauge({
    name: 'k2v_polls_held',
    help: 'Long polls (PollItem, PollRange) waiting for a change',
    registers: [registry],
    collect() {
      this.set(polls?.() ?? 0);
    },
  });
  let rangeChecks: (() => Readonly<Record<PollRangeRead, number>>) | undefined;
  const counted: Record<PollRangeRead, number> = { range: 0, changed: 0 };
  new Counter({
    name: 'k2v_poll_range_checks_total',
    help: 'PollRange checks by what they read: the whole range, or only the items changed since the marker',
    labelNames: ['read'],
    registers: [registry],
    collect() {
      const now = rangeChecks?.();
      if (now === undefined) return;
      for (const read of ['range', 'changed'] as const) {
        if (now[read] > counted[read]) this.inc({ read }, now[read] - counted[read]);
        counted[read] = now[read];
      }
    },
  });
  const listeners = new Map<string, Server>();
  new Gauge({
    name: 'k2v_open_connections',
    help: 'Open connections of a listener (TCP, TLS included)',
    labelNames: ['listener'],
    registers: [registry],
    async collect() {
      for (const [name, server] of listeners) this.set({ listener: name }, await connections(server));
    },
  });

  let gather: (() => Promise<string>) | undefined;
  return {
    k2v,
    admin,
    store: {
      writeQueued: () => void waiting++,
      writeSettled: () => void waiting--,
      committed(writes, commitSeconds, syncSeconds) {
        batch.observe(writes);
        commit.observe(commitSeconds);
        sync.observe(syncSeconds);
      },
      sizeProbe(p) {
        probe = p;
      },
    },
    trackListener(name, server) {
      listeners.set(name, server);
    },
    trackPolls(size) {
      polls = size;
    },
    trackPollRangeChecks(checks) {
      rangeChecks = checks;
    },
    contentType: registry.contentType,
    async render() {
      if (gather !== undefined) return gather();
      return (await registry.metrics()) + (await processMetrics().metrics());
    },
    async json() {
      return [...(await registry.getMetricsAsJSON()), ...(await processMetrics().getMetricsAsJSON())];
    },
    gatherWith(g) {
      gather = g;
    },
  };
}

/**
 * An API's three metrics. The request path only adds to plain numbers (prom-client's labelled
 * `inc`/`observe` cost microseconds per call, as much as a tenth of a ReadItem); prom-client
 * reads them when metrics are read.
 */
function apiMetrics(registry: Registry, api: string, display: string): ResponseObserver {
  const perEndpoint = new Map<string, EndpointCounts>();
  const counts = (endpoint: string): EndpointCounts => {
    let c = perEndpoint.get(endpoint);
    if (c === undefined) perEndpoint.set(endpoint, (c = new EndpointCounts()));
    return c;
  };
  new Counter({
    name: `api_${api}_request_counter`,
    help: `Number of API calls to the various ${display} API endpoints`,
    labelNames: ['api_endpoint'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [endpoint, c] of perEndpoint) this.inc({ api_endpoint: endpoint }, c.requests);
    },
  });
  new Counter({
    name: `api_${api}_error_counter`,
    help: `Number of API calls to the various ${display} API endpoints that resulted in errors`,
    labelNames: ['api_endpoint', 'status_code'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [endpoint, c] of perEndpoint) {
        for (const [status, n] of c.errors) this.inc({ api_endpoint: endpoint, status_code: String(status) }, n);
      }
    },
  });
  registerHistogram(registry, `api_${api}_request_duration`, `Duration of API calls to the various ${display} API endpoints`, perEndpoint);
  return {
    responded(endpoint, status, seconds) {
      const c = counts(endpoint);
      c.requests++;
      c.sum += seconds;
      let i = 0;
      while (i < GARAGE_BUCKETS.length && seconds > GARAGE_BUCKETS[i]!) i++;
      c.buckets[i]!++;
      if (status >= 400) c.errors.set(status, (c.errors.get(status) ?? 0) + 1);
    },
  };
}

class EndpointCounts {
  requests = 0;
  sum = 0;
  /** Per bucket of GARAGE_BUCKETS (not cumulative), the last one for +Inf. */
  readonly buckets = new Float64Array(GARAGE_BUCKETS.length + 1);
  readonly errors = new Map<number, number>();
}

/**
 * A histogram whose counts live in `perEndpoint`, exposed through prom-client's metric interface
 * (`get()`, as its own Histogram does): cumulative `_bucket` samples, `_sum` and `_count`.
 */
function registerHistogram(registry: Registry, name: string, help: string, perEndpoint: ReadonlyMap<string, EndpointCounts>): void {
  const metric = {
    name,
    help,
    type: 'histogram',
    aggregator: 'sum',
    get() {
      const values: { labels: Record<string, string | number>; value: number; metricName: string }[] = [];
      for (const [endpoint, c] of perEndpoint) {
        let cumulative = 0;
        for (let i = 0; i < c.buckets.length; i++) {
          cumulative += c.buckets[i]!;
          const le = i < GARAGE_BUCKETS.length ? GARAGE_BUCKETS[i]! : '+Inf';
          values.push({ labels: { le, api_endpoint: endpoint }, value: cumulative, metricName: `${name}_bucket` });
        }
        values.push({ labels: { api_endpoint: endpoint }, value: c.sum, metricName: `${name}_sum` });
        values.push({ labels: { api_endpoint: endpoint }, value: c.requests, metricName: `${name}_count` });
      }
      return Promise.resolve({ name, help, type: 'histogram', aggregator: 'sum', values });
    },
  };
  registry.registerMetric(metric as unknown as Histogram);
}

function connections(server: Server): Promise<number> {
  return new Promise((resolve) => server.getConnections((err, n) => resolve(err ? 0 : n)));
}
