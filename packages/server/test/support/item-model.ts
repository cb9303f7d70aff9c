/**
 * What a client may expect of an item after its own writes (contract section 2), written
 * independently of src/k2v so that a bug there cannot hide here. Values are strings (the tests
 * write ASCII), `null` a tombstone; `undefined` an item that was never written (404).
 *
 * Only the cases the load tests produce are modelled: one logical writer per item, which always
 * sends the token of its latest read (so a write supersedes everything it read), or no token at
 * all (so a write adds a concurrent value). Values of one item come from one node, so they stay in
 * write order; with several servers (nodes) on one database they come in node-id order first
 * (contract section 2), which a writer that does not know the node of each write compares with
 * `sameValues`.
 */

export type Val = string | null;
export type State = readonly Val[] | undefined;

/** The item's values once a write of `value` has landed on `prior`. */
export function afterWrite(prior: State, value: Val, withToken: boolean): Val[] {
  if (withToken || prior === undefined) return [value];
  // Exact duplicates (same bytes, or two tombstones) count once, keeping the first.
  return prior.includes(value) ? [...prior] : [...prior, value];
}

export function sameState(a: State, b: State): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** The same values, in any order (writes through several nodes). */
export function sameValues(a: State, b: State): boolean {
  if (a === undefined || b === undefined) return a === b;
  const key = (v: Val): string => (v === null ? '\u0000tombstone' : `v${v}`);
  return sameState(a.map(key).sort(), b.map(key).sort());
}

export function showState(s: State): string {
  if (s === undefined) return '404';
  return JSON.stringify(s.map((v) => (v === null ? null : v.length > 24 ? `${v.slice(0, 20)}…(${v.length})` : v)));
}

/** ReadIndex counters of one partition (contract section 7). */
export interface Counts {
  entries: number;
  conflicts: number;
  values: number;
  bytes: number;
}

export const zeroCounts = (): Counts => ({ entries: 0, conflicts: 0, values: 0, bytes: 0 });

/** Adds one item's contribution; `bytes` are the UTF-8 lengths of its non-tombstone values. */
export function addItem(c: Counts, s: State): void {
  if (s === undefined) return;
  const live = s.filter((v): v is string => v !== null);
  if (live.length > 0) c.entries++;
  if (s.length > 1) c.conflicts++;
  c.values += live.length;
  c.bytes += live.reduce((n, v) => n + Buffer.byteLength(v), 0);
}

export const isZero = (c: Counts): boolean => c.entries === 0 && c.conflicts === 0 && c.values === 0 && c.bytes === 0;

/** JSON values of the wire (standard base64 or null) -> model values. */
export function fromWire(v: readonly (string | null)[]): Val[] {
  return v.map((x) => (x === null ? null : Buffer.from(x, 'base64').toString('utf8')));
}

export function toWire(v: Val): string | null {
  return v === null ? null : Buffer.from(v, 'utf8').toString('base64');
}
