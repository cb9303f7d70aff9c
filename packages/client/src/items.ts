/**
 * What reads return: an item is its causality token and its concurrent values. The token is an
 * opaque branded string: you get it from a read and give it back to the next write.
 */
import type { BatchItem, ReadBatchResult } from './wire.js';
import { fromWire, type Value } from './values.js';

declare const TOKEN_BRAND: unique symbol;

/**
 * A causality token: "I have seen these versions". Opaque: only pass it back to a write, a
 * delete or a poll. Get one from a read, or from a string with {@link causalityToken}.
 */
export type CausalityToken = string & { readonly [TOKEN_BRAND]: true };

/**
 * A causality token from its text (e.g. one a user typed, or one stored elsewhere). Not checked
 * here: a malformed token is refused by the server with code `CausalityToken` (writes) or
 * `InvalidRequest` (polls).
 */
export function causalityToken(text: string): CausalityToken {
  return text as CausalityToken;
}

/** The token of an item never written (the empty causal context, contract section 2). */
export const EMPTY_TOKEN = causalityToken('AAAAAAAAAAA');

/** One item as read: its token and every concurrent value, in the server's order. */
export interface Item {
  /** Give it back to the next write to supersede the values read here. */
  readonly token: CausalityToken;
  /**
   * Every concurrent value (siblings), each bytes or `null` for a tombstone. One value in the
   * usual case; several after concurrent writes, until a write with this token resolves them.
   */
  readonly values: readonly Value[];
}

/** An item of a range, with its sort key. */
export interface KeyedItem extends Item {
  readonly sk: string;
}

export function itemOf(wire: BatchItem): KeyedItem {
  return { sk: wire.sk, token: causalityToken(wire.ct), values: wire.v.map(fromWire) };
}

/** The result of one ReadBatch query: its parameters echoed, the items decoded. */
export interface RangeResult extends Omit<ReadBatchResult, 'items'> {
  readonly items: KeyedItem[];
}
