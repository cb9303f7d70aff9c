/**
 * The messages between the primary of `k2v server --workers N` and its workers (node:cluster
 * IPC). Changes travel as [bucketId, pk, sk] triples: one message per event turn of a worker
 * carries every change that turn made durable.
 */
import type { ItemChange } from '../../store/store.js';

/** The environment variables a worker is started with. */
export const WORKER_SLOT_ENV = 'K2V_WORKER_SLOT';
/** Set for the first start of slot 0 only: it prints the first run's credentials and the console line. */
export const WORKER_FIRST_ENV = 'K2V_WORKER_FIRST';

export type WorkerMessage =
  | { readonly k2v: 'ready' }
  /** Primary -> the surviving workers: a worker died (see store/lmdb/peer-processes.ts). */
  | { readonly k2v: 'peer-died' }
  | { readonly k2v: 'changes'; readonly c: readonly (readonly [string, string, string])[] }
  /** Worker -> primary: a `GET /metrics` to answer; primary -> worker: the summed text. */
  | { readonly k2v: 'metrics-req'; readonly id: number }
  | { readonly k2v: 'metrics-res'; readonly id: number; readonly text: string }
  /** Primary -> every worker: its metrics, please; worker -> primary: prom-client JSON. */
  | { readonly k2v: 'metrics-get'; readonly id: number }
  | { readonly k2v: 'metrics-part'; readonly id: number; readonly json: object[] };

export function encodeChanges(changes: readonly ItemChange[]): WorkerMessage {
  return { k2v: 'changes', c: changes.map((x) => [x.bucketId, x.pk, x.sk] as const) };
}

/** A message of ours (anything else on the channel is ignored); parsed at the IPC boundary. */
export function parseMessage(m: unknown): WorkerMessage | undefined {
  if (typeof m !== 'object' || m === null) return undefined;
  const kind = (m as { k2v?: unknown }).k2v;
  if (kind === 'ready' || kind === 'peer-died') return { k2v: kind };
  const id = (m as { id?: unknown }).id;
  if (kind === 'metrics-req' || kind === 'metrics-get') return typeof id === 'number' ? { k2v: kind, id } : undefined;
  if (kind === 'metrics-res') {
    const text = (m as { text?: unknown }).text;
    return typeof id === 'number' && typeof text === 'string' ? { k2v: kind, id, text } : undefined;
  }
  if (kind === 'metrics-part') {
    const json = (m as { json?: unknown }).json;
    return typeof id === 'number' && Array.isArray(json) ? { k2v: kind, id, json: json as object[] } : undefined;
  }
  if (kind !== 'changes') return undefined;
  const c = (m as { c?: unknown }).c;
  if (!Array.isArray(c)) return undefined;
  const triples: [string, string, string][] = [];
  for (const t of c as unknown[]) {
    if (!Array.isArray(t) || t.length !== 3 || !t.every((s) => typeof s === 'string')) return undefined;
    triples.push([t[0] as string, t[1] as string, t[2] as string]);
  }
  return { k2v: 'changes', c: triples };
}

export function decodeChanges(m: Extract<WorkerMessage, { k2v: 'changes' }>): ItemChange[] {
  return m.c.map(([bucketId, pk, sk]) => ({ bucketId, pk, sk }));
}
