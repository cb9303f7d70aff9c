/**
 * What every K2V handler receives once routing, authentication, bucket resolution and permission
 * checks are done (dispatch.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Limits } from '../config/limits.js';
import type { Store } from '../store/store.js';
import type { PollRegistry } from './poll-registry.js';

export interface HandlerContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly store: Store;
  readonly limits: Limits;
  readonly polls: PollRegistry;
  readonly bucketId: string;
  /** The request body, already read, size-checked and verified against its signed hash. */
  readonly body: Buffer;
  /** Headers every response carries (CORS for a matching Origin). */
  readonly extraHeaders: Readonly<Record<string, string>>;
}
