/**
 * The admin HTTP API, compatible with Garage's admin API v1 for keys and buckets
 * (doc/api/garage-admin-v1.yml): route (unknown -> 400, before any token check, as Garage),
 * `GET /health` and OPTIONS (CORS preflight) without a token, `GET /metrics` with the metrics
 * token when one is set (open without one, as Garage), the admin token for everything else, JSON body (1 MiB at most),
 * one handler per endpoint, errors as JSON {code, message, region, path}.
 * The caller attaches the returned handler to a node:http server.
 */
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { readBody } from '../http/body.js';
import { abort, respond, type HttpRequest, type HttpResponse, type ResponseObserver } from '../http/respond.js';
import { parseJson } from '../http/json-body.js';
import { splitTarget } from '../http/query.js';
import type { Store } from '../store/store.js';
import { handleGlobalAliasBucket, handleGlobalUnaliasBucket, handleLocalAliasBucket, handleLocalUnaliasBucket } from './bucket-aliases.js';
import { handleBucketChangeKeyPerm } from './bucket-permissions.js';
import { handleCreateBucket, handleDeleteBucket, handleGetBucketInfo, handleListBuckets, handleUpdateBucket } from './buckets.js';
import { checkBearerToken, tokenDigest } from './bearer-token.js';
import { authorizeAdmin } from './admin-auth.js';
import type { ConsoleSite } from './console-site.js';
import type { AdminContext, AdminResult, HealthReport } from './context.js';
import { badRequest, toErrorResponse } from './errors.js';
import { serveDump } from './k2v-dump.js';
import { restore } from './k2v-restore.js';
import { handleSnapshot } from './k2v-snapshot.js';
import { handleCreateKey, handleDeleteKey, handleGetKeyInfo, handleImportKey, handleListKeys, handleUpdateKey } from './keys.js';
import { routeAdmin, TAKES_JSON_BODY, type AdminEndpoint } from './router.js';
import type { V2Context } from './v2/context-v2.js';
import { dispatchV2 } from './v2/dispatch-v2.js';
import { scopeNameOfV1 } from './v2/operation-names.js';
import { isV2Request, routeAdminV2, v2EndpointName } from './v2/router-v2.js';

export interface AdminDeps {
  readonly store: Store;
  /** undefined: every route but /health answers 403. */
  readonly adminToken: string | undefined;
  readonly region: string;
  readonly logger?: Logger;
  /** Told of every answered request of a routed endpoint (metrics). */
  readonly observer?: ResponseObserver;
  /** `GET /metrics`; undefined: 404-like refusal (no metrics in this server). */
  readonly metrics?: MetricsSource;
  /** Bearer token of `GET /metrics`; undefined: open, as in Garage. */
  readonly metricsToken?: string | undefined;
  /** What `GET /health` says; default: the store's `healthy()`. */
  readonly health?: () => HealthReport;
  /** The data directory, whose disk space GetClusterStatus (v2) reports. */
  readonly dataDir?: string;
  /** Wall clock (ms since the epoch) for admin token expiry; default Date.now. */
  readonly now?: () => number;
  /** The web console's files under `/console/` (console-site.ts); undefined: those paths are admin routes as any other. */
  readonly console?: ConsoleSite;
}

export interface MetricsSource {
  readonly contentType: string;
  render(): Promise<string>;
}

/** The request's state as the error path needs it. */
interface Pending {
  readonly req: HttpRequest;
  readonly res: HttpResponse;
  readonly extraHeaders: Readonly<Record<string, string>>;
  readonly startedAt: number;
  readonly observer: ResponseObserver | undefined;
  endpoint: string | undefined;
}

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

/** Admin request bodies are small JSON documents. */
const ADMIN_BODY_LIMIT = 1024 * 1024;

export type AdminHandler = (req: HttpRequest, res: HttpResponse) => void;

export function createAdminHandler(deps: AdminDeps): AdminHandler {
  const expectedToken = tokenDigest(deps.adminToken);
  const metricsToken = tokenDigest(deps.metricsToken);
  const health = deps.health ?? ((): HealthReport => (deps.store.healthy() ? { ok: true } : { ok: false, reason: STORE_UNAVAILABLE }));
  const ctx: AdminContext = { store: deps.store };
  const now = deps.now ?? Date.now;
  const v2ctx: V2Context = {
    store: deps.store,
    health,
    hasAdminToken: expectedToken !== undefined,
    hasMetricsToken: metricsToken !== undefined,
    dataDir: deps.dataDir,
    now,
  };
  return (req, res) => {
    const { path, query } = splitTarget(req.url ?? '/');
    const p: Pending = { req, res, extraHeaders: NO_HEADERS, startedAt: performance.now(), observer: deps.observer, endpoint: undefined };
    if (deps.console?.owns(path)) {
      // Static files, no token: the page asks for the token itself and keeps it in the tab.
      const host = req.headers[':authority'] ?? req.headers.host;
      deps.console.serve(p, req.method ?? '', path, typeof host === 'string' ? host : undefined);
      return;
    }
    serve(p, path, query ?? '').catch((err: unknown) => {
      const response = toErrorResponse(err, deps.region, path);
      // One line per failed request; never the token (nor the query, which may name a key).
      const line = { endpoint: p.endpoint, status: response.status, code: response.code, message: response.message, method: req.method, path };
      if (response.internal) deps.logger?.error({ ...line, err }, 'admin request failed');
      else deps.logger?.warn(line, 'admin request failed');
      if (res.headersSent) {
        abort(p);
        return;
      }
      respond(
        p,
        response.status,
        {
          'Content-Type': 'application/json',
          'Content-Length': Buffer.byteLength(response.body),
          // The rest of an oversized body is not worth reading: close after answering (HTTP/1).
          ...(response.status === 413 ? { Connection: 'close' } : {}),
        },
        response.body,
      );
    });
  };

  async function serve(p: Pending, path: string, query: string): Promise<void> {
    const req = p.req;
    if (isV2Request(req.method ?? '', path)) return serveV2(p, path, query);
    const endpoint = routeAdmin(req.method ?? '', path, query);
    p.endpoint = endpoint.kind;
    if (endpoint.kind === 'Health') return sendHealth(p, health());
    if (endpoint.kind === 'Metrics') {
      if (metricsToken !== undefined) checkBearerToken(req.headers.authorization, metricsToken);
      return sendMetrics(p, deps.metrics);
    }
    // A CORS preflight carries no Authorization header (browsers never send one): no token, as
    // Garage's admin API v2 (Authorization::None for OPTIONS).
    if (endpoint.kind === 'Options') return sendOptions(p);
    authorizeAdmin({ header: req.headers.authorization, operation: scopeNameOfV1(endpoint.kind) }, expectedToken, deps.store.meta, now());
    if (endpoint.kind === 'K2vDump') return serveDump(p, deps.store, endpoint.bucket);
    if (endpoint.kind === 'K2vRestore') return sendResult(p, { status: 200, json: await restore(deps.store, req, endpoint.bucket, endpoint.firstLine) });
    if (endpoint.kind === 'K2vSnapshot') return sendResult(p, await handleSnapshot(deps.store, parseJson(await readBody(req, ADMIN_BODY_LIMIT))));
    const body = TAKES_JSON_BODY.has(endpoint.kind) ? parseJson(await readBody(req, ADMIN_BODY_LIMIT)) : undefined;
    sendResult(p, await dispatch(ctx, endpoint, body));
  }

  /** Admin API v2: `/v2/<Operation>`, JSON answers with `Access-Control-Allow-Origin: *` (Garage). */
  async function serveV2(p: Pending, path: string, query: string): Promise<void> {
    const req = p.req;
    const endpoint = routeAdminV2(req.method ?? '', path, query);
    // Its own metric label, apart from the v1 endpoint of the same name (Garage labels v2 calls by path).
    p.endpoint = v2EndpointName(endpoint.operation);
    authorizeAdmin({ header: req.headers.authorization, operation: endpoint.operation }, expectedToken, deps.store.meta, now());
    const body = endpoint.takesBody ? parseJson(await readBody(req, ADMIN_BODY_LIMIT)) : undefined;
    const json = JSON.stringify(await dispatchV2(v2ctx, endpoint, body), null, 2);
    respond(
      p,
      200,
      { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(json), 'Access-Control-Allow-Origin': '*' },
      json,
    );
  }
}

function sendResult(p: Pending, result: AdminResult): void {
  if (result.status === 204) {
    respond(p, 204, {});
    return;
  }
  const json = JSON.stringify(result.json, null, 2);
  respond(p, 200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(json) }, json);
}

export const STORE_UNAVAILABLE = 'K2V server storage is unavailable: writes fail (full map or disk, or a storage error); reads may still work';

function sendHealth(p: Pending, report: HealthReport): void {
  const text = report.ok ? 'K2V server is fully operational\n' : `${report.reason}\n`;
  respond(p, report.ok ? 200 : 503, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(text) }, text);
}

async function sendMetrics(p: Pending, metrics: MetricsSource | undefined): Promise<void> {
  if (metrics === undefined) throw badRequest('this server has no metrics');
  const text = await metrics.render();
  respond(p, 200, { 'Content-Type': metrics.contentType, 'Content-Length': Buffer.byteLength(text) }, text);
}

/**
 * As Garage's admin API v2 (special.rs OptionsRequest): OPTIONS on any path, without a token,
 * answers a CORS preflight with the methods and the headers a browser may send.
 */
function sendOptions(p: Pending): void {
  respond(p, 200, {
    Allow: 'OPTIONS,GET,POST',
    'Access-Control-Allow-Methods': 'OPTIONS,GET,POST',
    'Access-Control-Allow-Headers': 'authorization,content-type',
    'Access-Control-Allow-Origin': '*',
    'Content-Length': 0,
  });
}

function dispatch(ctx: AdminContext, ep: Exclude<AdminEndpoint, { kind: 'Health' | 'Metrics' | 'Options' | 'K2vDump' | 'K2vRestore' | 'K2vSnapshot' }>, body: unknown): AdminResult | Promise<AdminResult> {
  switch (ep.kind) {
    case 'ListKeys':
      return handleListKeys(ctx);
    case 'GetKeyInfo':
      return handleGetKeyInfo(ctx, ep.id, ep.search, ep.showSecretKey);
    case 'CreateKey':
      return handleCreateKey(ctx, body);
    case 'ImportKey':
      return handleImportKey(ctx, body);
    case 'UpdateKey':
      return handleUpdateKey(ctx, ep.id, body);
    case 'DeleteKey':
      return handleDeleteKey(ctx, ep.id);
    case 'ListBuckets':
      return handleListBuckets(ctx);
    case 'GetBucketInfo':
      return handleGetBucketInfo(ctx, ep.id, ep.globalAlias);
    case 'CreateBucket':
      return handleCreateBucket(ctx, body);
    case 'UpdateBucket':
      return handleUpdateBucket(ctx, ep.id, body);
    case 'DeleteBucket':
      return handleDeleteBucket(ctx, ep.id);
    case 'BucketAllowKey':
      return handleBucketChangeKeyPerm(ctx, body, true);
    case 'BucketDenyKey':
      return handleBucketChangeKeyPerm(ctx, body, false);
    case 'GlobalAliasBucket':
      return handleGlobalAliasBucket(ctx, ep.id, ep.alias);
    case 'GlobalUnaliasBucket':
      return handleGlobalUnaliasBucket(ctx, ep.id, ep.alias);
    case 'LocalAliasBucket':
      return handleLocalAliasBucket(ctx, ep.id, ep.accessKeyId, ep.alias);
    case 'LocalUnaliasBucket':
      return handleLocalUnaliasBucket(ctx, ep.id, ep.accessKeyId, ep.alias);
    default: {
      const unreachable: never = ep;
      throw new Error(`unhandled admin endpoint ${JSON.stringify(unreachable)}`);
    }
  }
}
