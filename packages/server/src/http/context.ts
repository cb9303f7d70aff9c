/**
 * What every K2V handler receives once routing, authentication, bucket resolution and permission
 * checks are done (dispatch.ts). It is also the handler's Exchange with the response sink.
 */
import type { Limits } from '../config/limits.js';
import type { Store } from '../store/store.js';
import type { PollRangeLogs } from './poll-range-logs.js';
import type { PollRegistry } from './poll-registry.js';
import type { Exchange } from './respond.js';

export interface HandlerContext extends Exchange {
  readonly store: Store;
  readonly limits: Limits;
  readonly polls: PollRegistry;
  readonly rangeLogs: PollRangeLogs;
  readonly bucketId: string;
  /** The request body, already read, size-checked and verified against its signed hash. */
  readonly body: Buffer;
}
