/**
 * `GET /metrics` with `--workers N`: the worker that gets the request asks the primary, which
 * asks every worker for its metrics (prom-client JSON), sums them (metrics.ts aggregateMetrics)
 * and hands the text back. A worker that does not answer within a second is left out (it is
 * dying or starting; the primary restarts it).
 */
import cluster, { type Worker } from 'node:cluster';
import { aggregateMetrics, type ServerMetrics } from '../metrics.js';
import { ignoreGone } from './ipc-peer-link.js';
import { parseMessage, type WorkerMessage } from './worker-messages.js';

const PART_TIMEOUT_MS = 1_000;

/** Worker side: answers the primary's requests for parts, and makes `render()` gather. */
export function attachClusterMetrics(metrics: ServerMetrics, proc: NodeJS.Process = process): void {
  let nextId = 1;
  const waiting = new Map<number, (text: string) => void>();
  const send = (m: WorkerMessage): void => {
    if (proc.connected) proc.send?.(m, undefined, undefined, ignoreGone);
  };
  proc.on('message', (raw: unknown) => {
    const m = parseMessage(raw);
    if (m?.k2v === 'metrics-get') {
      void metrics.json().then((json) => send({ k2v: 'metrics-part', id: m.id, json }));
    } else if (m?.k2v === 'metrics-res') {
      waiting.get(m.id)?.(m.text);
      waiting.delete(m.id);
    }
  });
  metrics.gatherWith(
    () =>
      new Promise<string>((resolve, reject) => {
        if (!proc.connected) {
          reject(new Error('the primary process is gone'));
          return;
        }
        const id = nextId++;
        waiting.set(id, resolve);
        send({ k2v: 'metrics-req', id });
      }),
  );
}

/** Primary side: one gathering per request. */
export class MetricsGatherer {
  private nextId = 1;
  private readonly open = new Map<number, { parts: object[][]; expected: number; done: () => void }>();

  request(from: Worker, reqId: number): void {
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && w.isConnected());
    const id = this.nextId++;
    const parts: object[][] = [];
    let finished = false;
    const done = (): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      this.open.delete(id);
      void aggregateMetrics(parts).then((text) => {
        if (from.isConnected()) from.send({ k2v: 'metrics-res', id: reqId, text } satisfies WorkerMessage);
      });
    };
    const timer = setTimeout(done, PART_TIMEOUT_MS);
    this.open.set(id, { parts, expected: workers.length, done });
    for (const w of workers) w.send({ k2v: 'metrics-get', id } satisfies WorkerMessage);
  }

  part(id: number, json: object[]): void {
    const g = this.open.get(id);
    if (g === undefined) return;
    g.parts.push(json);
    if (g.parts.length >= g.expected) g.done();
  }
}
