/**
 * The benchmark's data set, shared by the orchestrator (which signs requests for it) and the K2V
 * child (which preloads it straight into the store): item names and values are pure functions of
 * an index, so neither side has to tell the other which items exist.
 *
 * Grid: item i lives in partition `p` + floor(i / 100) (6 digits) under sort key `s` + i % 100, so
 * 1 M items are 10 000 partitions of 100 items (ReadBatch of one partition returns 100 items,
 * ReadIndex walks 10 000 partitions) and 10 M items are 100 000 partitions.
 * Mailboxes (the Aerogramme-like mix): mailbox m has a log partition and a message partition.
 */

export const VALUE_BYTES = 100;
export const ITEMS_PER_PARTITION = 100;

export interface ItemName {
  readonly pk: string;
  readonly sk: string;
}

export function gridPk(partition: number): string {
  return 'p' + String(partition).padStart(6, '0');
}

export function gridItem(i: number): ItemName {
  return { pk: gridPk(Math.floor(i / ITEMS_PER_PARTITION)), sk: 's' + String(i % ITEMS_PER_PARTITION).padStart(3, '0') };
}

/** Items written by InsertItem as new items: a key space apart from the grid (`n` partitions). */
export function newItem(j: number): ItemName {
  return { pk: 'n' + String(Math.floor(j / ITEMS_PER_PARTITION)).padStart(7, '0'), sk: 's' + String(j % ITEMS_PER_PARTITION).padStart(3, '0') };
}

export const logPk = (m: number): string => `mb${String(m).padStart(4, '0')}:log`;
export const msgPk = (m: number): string => `mb${String(m).padStart(4, '0')}:msg`;
export const logSk = (row: number): string => 'l' + String(row).padStart(8, '0');
export const msgSk = (row: number): string => 'm' + String(row).padStart(8, '0');

/** A deterministic value of `bytes` bytes for index i (printable, so logs stay readable). */
export function valueOf(i: number, bytes: number = VALUE_BYTES): Buffer {
  const out = Buffer.alloc(bytes);
  const seed = String(i);
  for (let k = 0; k < bytes; k++) out[k] = k < seed.length ? seed.charCodeAt(k) : 97 + ((i + k) % 26);
  return out;
}

/** What the K2V child preloads, in-process, before a workload. */
export type PreloadSpec =
  | { readonly layout: 'grid'; readonly from: number; readonly to: number }
  | { readonly layout: 'mailboxes'; readonly mailboxes: number; readonly rows: number }
  | { readonly layout: 'wide'; readonly pk: string; readonly items: number };

/** Sort key of item i of a wide partition (the wake-up run's watched range). */
export const wideSk = (i: number): string => 'w' + String(i).padStart(8, '0');

/** A small, fast, seeded PRNG (mulberry32) so request files are reproducible run to run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher-Yates shuffle in place with the given PRNG. */
export function shuffle<T>(xs: T[], rnd: () => number): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    const t = xs[i]!;
    xs[i] = xs[j]!;
    xs[j] = t;
  }
  return xs;
}
