/**
 * k2v-client: a client for the K2V API (Garage's key/key/value store), for Node.js >= 20 and
 * browsers, with no dependencies: SigV4 through WebCrypto, requests through fetch.
 */
export { K2vClient } from './client.js';
export type { InsertEntry, PollOptions, PollRangeQuery, PollRangeResult, PresignOptions, RangeFilter, Resolver } from './call-shapes.js';
export type { ItemsFilter, PartitionsFilter } from './iterate.js';
export type { Watch, WatchItemOptions, WatchOptions, WatchRangeOptions } from './watch.js';
export { K2vError } from './errors.js';
export type { ClientErrorCode, K2vErrorCode } from './errors.js';
export { causalityToken, EMPTY_TOKEN } from './items.js';
export type { CausalityToken, Item, KeyedItem, RangeResult } from './items.js';
export type { K2vClientOptions } from './options.js';
export type { CallOptions, RetryOptions } from './transport.js';
export { isLive, json, text, toBytes } from './values.js';
export type { Value, ValueInput } from './values.js';
export type * from './wire.js';
