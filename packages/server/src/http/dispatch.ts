/**
 * The K2V request pipeline (architecture: Garage's api_server, one dispatcher for cross-cutting
 * work): route (errors answered before authentication), CORS preflight, body, SigV4, bucket,
 * permission, then exactly one handler per endpoint; errors become the contract's JSON.
 */
import crypto, { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { Limits } from '../config/limits.js';
import { K2vError } from '../k2v/errors.js';
import { checkPermission } from '../auth/permissions.js';
import { UNSIGNED_PAYLOAD } from '../auth/content-sha256.js';
import { beginVerification, checkBodyDigest } from '../auth/verify.js';
import type { Bucket } from '../store/metadata.js';
import type { Store } from '../store/store.js';
import type { HandlerContext } from './context.js';
import { consoleCorsHeaders, consolePreflightHeaders, NO_CONSOLE_ORIGINS, type ConsoleOrigins } from './console-cors.js';
import { responseCorsHeaders } from './cors.js';
import { ENDPOINT_PERMISSION, type Endpoint } from './endpoint.js';
import { errorBody, STATUS, toK2vError } from './errors.js';
import { readBody } from './body.js';
import { lingerOnClose } from './linger-close.js';
import { checkPartitionKey, checkSortKey } from './json-body.js';
import { handleDeleteBatch } from './handlers/delete-batch.js';
import { handleDeleteItem } from './handlers/delete-item.js';
import { handleInsertBatch } from './handlers/insert-batch.js';
import { handleInsertItem } from './handlers/insert-item.js';
import { handleOptions } from './handlers/options.js';
import { handlePollItem } from './handlers/poll-item.js';
import { handlePollRange } from './handlers/poll-range.js';
import { handleReadBatch } from './handlers/read-batch.js';
import { handleReadIndex } from './handlers/read-index.js';
import { handleReadItem } from './handlers/read-item.js';
import type { PollRegistry } from './poll-registry.js';
import { firstValueHeaders } from './request-headers.js';
import { abort, discardBody, headerValue, respond, responseGone, type HttpRequest, type HttpResponse, type ResponseObserver } from './respond.js';
import { splitTarget } from './query.js';
import { routeParts } from './router.js';
import type { PollRangeLogs } from './poll-range-logs.js';

export interface K2vDeps {
  readonly store: Store;
  readonly region: string;
  readonly limits: Limits;
  readonly polls: PollRegistry;
  /** Recent changes of the partitions PollRange watches (poll-range-logs.ts). */
  readonly rangeLogs: PollRangeLogs;
  readonly logger: Logger;
  readonly now?: () => number;
  /** Told of every answered request of a routed endpoint (metrics). */
  readonly observer?: ResponseObserver;
  /** The web console's origins, answered CORS on every bucket (console-cors.ts); default none. */
  readonly consoleOrigins?: ConsoleOrigins;
}

/** The request's state as the error path needs it: filled in as the pipeline learns it. */
interface Pending {
  readonly req: HttpRequest;
  readonly res: HttpResponse;
  readonly startedAt: number;
  readonly observer: ResponseObserver | undefined;
  extraHeaders: Readonly<Record<string, string>>;
  endpoint: string | undefined;
  /** The access key id the request claims (for the failure log line; never its secret). */
  keyId: string | undefined;
}

const HEX64 = /^[0-9a-f]{64}$/;
const EMPTY_SHA256 = createHash('sha256').digest('hex');
// One-shot hashing (Node >= 20.12): every InsertItem and batch body is hashed; a Hash object cost
// about twice as much for a 100-byte value.
const sha256Hex: (body: Buffer) => string =
  typeof crypto.hash === 'function' ? (body) => crypto.hash('sha256', body, 'hex') : (body) => createHash('sha256').update(body).digest('hex');
const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

export function createK2vHandler(deps: K2vDeps): (req: HttpRequest, res: HttpResponse) => void {
  const now = deps.now ?? Date.now;
  const consoleOrigins = deps.consoleOrigins ?? NO_CONSOLE_ORIGINS;
  return (req, res) => {
    const target = req.url ?? '/';
    const { path, query } = splitTarget(target);
    const p: Pending = { req, res, startedAt: performance.now(), observer: deps.observer, extraHeaders: NO_HEADERS, endpoint: undefined, keyId: undefined };
    handle(p, path, query ?? '').catch((err: unknown) => {
      sendError(deps, p, path, err);
    });
  };

  async function handle(p: Pending, rawPath: string, rawQuery: string): Promise<void> {
    const { req, res } = p;
    const ep = routeParts(req.method ?? '', rawPath, rawQuery);
    p.endpoint = ep.kind;
    if ('pk' in ep) checkPartitionKey(ep.pk, deps.limits);
    if ('sk' in ep) checkSortKey(ep.sk, deps.limits);
    const meta = deps.store.meta;
    if (ep.kind === 'Options') {
      const from = req.headers['origin'];
      if (typeof from === 'string' && consoleOrigins.allows(from)) {
        respond(p, 200, consolePreflightHeaders(from));
        return;
      }
      handleOptions(p, meta, ep.bucket);
      return;
    }
    // CORS headers go on every response to a matching Origin, errors included, so they are
    // computed before authentication from the bucket's global alias (as for the preflight).
    const origin = headerValue(req.headers, 'origin');
    const corsFor = (bucketId: string | undefined) => {
      if (origin !== undefined && consoleOrigins.allows(origin)) return consoleCorsHeaders(origin);
      if (origin === undefined || bucketId === undefined) return NO_HEADERS;
      const rules = meta.getBucket(bucketId)?.corsRules;
      return rules === undefined || rules.length === 0 ? NO_HEADERS : responseCorsHeaders(rules, origin, req.method ?? '') ?? NO_HEADERS;
    };
    p.extraHeaders = corsFor(origin === undefined ? undefined : meta.resolveGlobalAlias(ep.bucket));

    // Every signature check that does not need the body runs before it is read.
    const pending = beginVerification(
      { method: req.method ?? '', rawPath, rawQuery, headers: firstValueHeaders(req) },
      { region: deps.region, now, lookupSecret: (id: string) => meta.getKey(id)?.secret },
    );
    // The key the request claims, before its signature is checked: named in the failure's log line.
    p.keyId = pending.accessKeyId;
    const body = await readBody(req, ep.kind === 'InsertItem' ? deps.limits.maxValueBytes : deps.limits.maxBatchBodyBytes);
    let digest: string | undefined;
    const hash = () => (digest ??= body.length === 0 ? EMPTY_SHA256 : sha256Hex(body));
    const verified = pending.complete(pending.needsBodyHash ? hash() : undefined);
    if (verified.contentSha256 !== undefined && verified.contentSha256 !== UNSIGNED_PAYLOAD) {
      checkBodyDigest(verified, hash());
    }

    const bucket = resolveBucket(ep.bucket, verified.accessKeyId);
    const bucketId = bucket.id;
    // Again after authentication: a bucket reached through a local alias has rules of its own.
    const extraHeaders = corsFor(bucketId);
    p.extraHeaders = extraHeaders;
    const need = ENDPOINT_PERMISSION[ep.kind];
    if (need !== 'none') checkPermission(bucket.keys[verified.accessKeyId], need);

    const ctx: HandlerContext = {
      req,
      res,
      startedAt: p.startedAt,
      observer: p.observer,
      endpoint: ep.kind,
      store: deps.store,
      limits: deps.limits,
      polls: deps.polls,
      rangeLogs: deps.rangeLogs,
      bucketId,
      body,
      extraHeaders,
    };
    await run(ctx, ep);
  }

  /** Local alias of the key first, then global alias, then a 64-hex bucket id (contract section 3). */
  function resolveBucket(name: string, accessKeyId: string): Bucket {
    const meta = deps.store.meta;
    const id = meta.resolveLocalAlias(accessKeyId, name) ?? meta.resolveGlobalAlias(name) ?? (HEX64.test(name) ? name : undefined);
    const bucket = id === undefined ? undefined : meta.getBucket(id);
    if (bucket === undefined) throw new K2vError('NoSuchBucket', `Bucket not found: ${name}`);
    return bucket;
  }
}

function run(ctx: HandlerContext, ep: Endpoint): Promise<void> | void {
  switch (ep.kind) {
    case 'ReadItem':
      return handleReadItem(ctx, ep);
    case 'PollItem':
      return handlePollItem(ctx, ep);
    case 'InsertItem':
      return handleInsertItem(ctx, ep);
    case 'DeleteItem':
      return handleDeleteItem(ctx, ep);
    case 'ReadIndex':
      return handleReadIndex(ctx, ep);
    case 'InsertBatch':
      return handleInsertBatch(ctx);
    case 'ReadBatch':
      return handleReadBatch(ctx);
    case 'DeleteBatch':
      return handleDeleteBatch(ctx);
    case 'PollRange':
      return handlePollRange(ctx, ep);
    case 'Options':
      // Answered before authentication in handle().
      throw new K2vError('InternalError', 'unreachable');
    default: {
      const never: never = ep;
      throw new K2vError('InternalError', `unhandled endpoint ${String(never)}`);
    }
  }
}

function sendError(deps: K2vDeps, p: Pending, path: string, err: unknown): void {
  const { req, res } = p;
  const e = toK2vError(err);
  // One line per failed request; never a secret, a signature or the query (a presigned URL's).
  const line = { endpoint: p.endpoint, status: STATUS[e.code], code: e.code, message: e.message, keyId: p.keyId, method: req.method, path };
  if (e.code === 'InternalError') {
    deps.logger.error({ ...line, err }, 'request failed');
  } else if (e.code === 'ServiceUnavailable') {
    // The store logs the cause once (full map or disk); one stack trace per refused request would
    // flood the log, which often lives on the very disk that is full.
    const reason = err instanceof Error ? err.message : String(err);
    deps.logger.warn({ ...line, reason }, 'request refused: service unavailable');
  } else if (e.code === 'NoSuchKey') {
    // A read of an absent item is an answer, not a failure (clients poll and probe for items).
    deps.logger.debug(line, 'item not found');
  } else {
    deps.logger.warn(line, 'request failed');
  }
  if (res.headersSent) {
    // A streamed response cannot change its status any more.
    abort(p);
    return;
  }
  if (responseGone(res)) return;
  const body = errorBody(e, deps.region, path);
  // The rest of an oversized body is not worth parsing: close the connection after answering
  // (HTTP/1 only; the sink leaves the header out on HTTP/2, where the stream alone ends), once the
  // client has stopped sending (linger-close.ts).
  if (e.code === 'PayloadTooLarge') lingerOnClose(res);
  respond(p, STATUS[e.code], {
    ...(e.code === 'PayloadTooLarge' ? { connection: 'close' } : {}),
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(body)),
  }, body);
  // An unread request body (an early 4xx) must not be parsed as the next request.
  discardBody(p);
}
