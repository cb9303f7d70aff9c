/** The shapes of the client's calls: filters, options, results that are not wire JSON as is. */
import type { CausalityToken, Item, KeyedItem } from './items.js';
import type { CallOptions } from './transport.js';
import type { ValueInput } from './values.js';

/** A range of keys: sort keys of a partition, or partition keys of the index (contract section 8). */
export interface RangeFilter {
  /** Only keys beginning with this. */
  prefix?: string;
  /** First key (inclusive); must begin with `prefix` when both are given. */
  start?: string;
  /** Stop before this key (never returned). */
  end?: string;
  /** At most this many entries; `more` and `nextStart` then say where to go on. */
  limit?: number;
  /** Descending order. */
  reverse?: boolean;
}

/** The range a PollRange watches, and where the previous poll left off. */
export interface PollRangeQuery {
  prefix?: string;
  start?: string;
  end?: string;
  /** The marker of the previous PollRange; absent: answer at once with the whole range. */
  seenMarker?: string;
}

/** Options of the two polls. */
export interface PollOptions extends CallOptions {
  /** How long the server waits for a change, seconds (default 300, the server clamps to 1..600). */
  timeoutSeconds?: number;
}

/** The answer of a PollRange: the items changed (tombstones included) and the next marker. */
export interface PollRangeResult {
  readonly items: KeyedItem[];
  /** Give it to the next PollRange of this range (or of a sub-range). */
  readonly seenMarker: string;
}

/** One write of an InsertBatch. */
export interface InsertEntry {
  pk: string;
  sk: string;
  /** The value, or `null` to write a tombstone (a delete). */
  value: ValueInput | null;
  /** The token of the read this write supersedes; absent: a value concurrent with the others. */
  token?: CausalityToken | null;
}

/**
 * The resolver `update` calls: every live concurrent value (tombstones left out; `[]` for an
 * item never written or deleted) and the item as read. Returns the value to write, `null` to
 * delete, or `undefined` to leave the item as it is.
 */
export type Resolver = (values: Uint8Array[], item: Item | undefined) => ValueInput | null | undefined | Promise<ValueInput | null | undefined>;

/** Options of `presignReadItem`. */
export interface PresignOptions {
  /** How long the URL stays valid, seconds (default 3600, at most 604 800 = 7 days). */
  expiresIn?: number;
  /** Signing time (default now); the URL is valid from then for `expiresIn` seconds. */
  date?: Date;
}
