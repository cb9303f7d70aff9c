/**
 * A client of the admin API v1 (Garage's routes): access keys, buckets, aliases and permissions.
 * Web-standard APIs only (fetch, AbortSignal), so it runs in Node.js >= 20 and in browsers
 * (the web console uses it). Every failure is an {@link AdminApiError}.
 */
import type { BucketInfo, BucketPermission, KeyInfo, ListBucketsItem, ListKeysItem } from './wire.js';

export type * from './wire.js';

/** Flags to set (allow) or clear (deny); absent or false flags are left as they are. */
export type PermissionChange = Partial<BucketPermission>;

/**
 * A refusal by the admin API (its `code`, e.g. `NoSuchBucket`, `BucketNotEmpty`,
 * `NoSuchAccessKey`, `KeyAlreadyExists`, `InvalidRequest`, the HTTP status and message), or a
 * failure on this side: `NetworkError` (no answer; status 0), `Timeout`, `Aborted`,
 * `InvalidResponse` (an answer that is not the API's JSON).
 */
export class AdminApiError extends Error {
  /** The API's error code, or one of the client's own. */
  readonly code: string;
  /** HTTP status of the answer; 0 when there was none. */
  readonly status: number;
  /** The request path (no query). */
  readonly path: string;

  /** Builds an error; `cause` keeps the underlying failure. */
  constructor(code: string, message: string, init: { status?: number; path?: string; cause?: unknown } = {}) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'AdminApiError';
    this.code = code;
    this.status = init.status ?? 0;
    this.path = init.path ?? '';
  }
}

export interface AdminClientOptions {
  /** Base URL of the admin listener, e.g. `http://127.0.0.1:3903` (a path prefix is kept). */
  endpoint: string | URL;
  /** The admin bearer token. */
  token: string;
  /** Deadline of each call, ms (default 30 000). */
  timeoutMs?: number;
  /** The fetch to use (default `globalThis.fetch`). */
  fetch?: typeof fetch;
}

/** Options every call takes. */
export interface AdminCallOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** The admin API v1, one method per operation, named as Garage's operations in camelCase. */
export class AdminClient {
  /** The admin endpoint, with a trailing slash. */
  readonly endpoint: URL;
  private readonly token: string;
  private readonly timeoutMs: number;
  private readonly fetchFn: typeof fetch;

  /** Checks the options; a bad endpoint or an empty token is an `InvalidArgument` error. */
  constructor(options: AdminClientOptions) {
    let url: URL;
    try {
      url = new URL(options.endpoint);
    } catch (cause) {
      throw new AdminApiError('InvalidArgument', `not a URL: ${String(options.endpoint)}`, { cause });
    }
    if (!url.pathname.endsWith('/')) url.pathname += '/';
    if (options.token === '') throw new AdminApiError('InvalidArgument', 'the admin token is empty');
    this.endpoint = url;
    this.token = options.token;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.fetchFn = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  /** ListKeys: every key, id and name. */
  listKeys(opts?: AdminCallOptions): Promise<ListKeysItem[]> {
    return this.call('GET', 'v1/key', {}, undefined, opts);
  }

  /**
   * GetKeyInfo, by exact id or by `search` (a prefix of the id or the whole name, one match only);
   * `showSecretKey` adds the key's secret.
   */
  getKeyInfo(find: { id: string } | { search: string }, showSecretKey = false, opts?: AdminCallOptions): Promise<KeyInfo> {
    return this.call('GET', 'v1/key', { ...find, ...(showSecretKey ? { showSecretKey: 'true' } : {}) }, undefined, opts);
  }

  /** CreateKey: a new key; the answer holds its secret (the only time it is sent unasked). */
  createKey(name?: string, opts?: AdminCallOptions): Promise<KeyInfo> {
    return this.call('POST', 'v1/key', {}, name === undefined ? {} : { name }, opts);
  }

  /** ImportKey: a key made elsewhere (`GK` + 24 hex digits, a 64-hex secret); an id once used is refused. */
  importKey(accessKeyId: string, secretAccessKey: string, name?: string, opts?: AdminCallOptions): Promise<KeyInfo> {
    return this.call('POST', 'v1/key/import', {}, { accessKeyId, secretAccessKey, ...(name === undefined ? {} : { name }) }, opts);
  }

  /** DeleteKey: removes the key and its permissions and local aliases on every bucket. */
  deleteKey(id: string, opts?: AdminCallOptions): Promise<void> {
    return this.call('DELETE', 'v1/key', { id }, undefined, opts);
  }

  /** ListBuckets: every bucket, id and aliases. */
  listBuckets(opts?: AdminCallOptions): Promise<ListBucketsItem[]> {
    return this.call('GET', 'v1/bucket', {}, undefined, opts);
  }

  /** GetBucketInfo, by id or global alias: keys, permissions, and the K2V totals (`k2v`). */
  getBucketInfo(find: { id: string } | { globalAlias: string }, opts?: AdminCallOptions): Promise<BucketInfo> {
    return this.call('GET', 'v1/bucket', find, undefined, opts);
  }

  /** CreateBucket, with a global alias and/or a key's local alias. */
  createBucket(
    request: { globalAlias?: string; localAlias?: { accessKeyId: string; alias: string; allow?: PermissionChange } },
    opts?: AdminCallOptions,
  ): Promise<BucketInfo> {
    return this.call('POST', 'v1/bucket', {}, request, opts);
  }

  /** DeleteBucket: refused (409 `BucketNotEmpty`) while the bucket holds any K2V item. */
  deleteBucket(id: string, opts?: AdminCallOptions): Promise<void> {
    return this.call('DELETE', 'v1/bucket', { id }, undefined, opts);
  }

  /** BucketAllowKey: sets the flags given as true. */
  allowKey(bucketId: string, accessKeyId: string, permissions: PermissionChange, opts?: AdminCallOptions): Promise<BucketInfo> {
    return this.call('POST', 'v1/bucket/allow', {}, { bucketId, accessKeyId, permissions }, opts);
  }

  /** BucketDenyKey: clears the flags given as true. */
  denyKey(bucketId: string, accessKeyId: string, permissions: PermissionChange, opts?: AdminCallOptions): Promise<BucketInfo> {
    return this.call('POST', 'v1/bucket/deny', {}, { bucketId, accessKeyId, permissions }, opts);
  }

  /** GlobalAliasBucket: adds a global alias (a no-op when the bucket has it). */
  addGlobalAlias(id: string, alias: string, opts?: AdminCallOptions): Promise<BucketInfo> {
    return this.call('PUT', 'v1/bucket/alias/global', { id, alias }, undefined, opts);
  }

  /** GlobalUnaliasBucket: removes a global alias (not the bucket's last alias). */
  removeGlobalAlias(id: string, alias: string, opts?: AdminCallOptions): Promise<BucketInfo> {
    return this.call('DELETE', 'v1/bucket/alias/global', { id, alias }, undefined, opts);
  }

  private async call<T>(method: string, path: string, query: Record<string, string>, body: unknown, opts: AdminCallOptions = {}): Promise<T> {
    const url = new URL(path, this.endpoint);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const timeout = AbortSignal.timeout(opts.timeoutMs ?? this.timeoutMs);
    const signal = opts.signal === undefined ? timeout : AbortSignal.any([opts.signal, timeout]);
    const where = url.pathname;
    let res: Response;
    let text: string;
    try {
      res = await this.fetchFn(url, { method, headers, signal, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
      text = await res.text();
    } catch (cause) {
      if (opts.signal?.aborted) throw new AdminApiError('Aborted', `${method} ${where}: aborted`, { path: where, cause });
      if (timeout.aborted) throw new AdminApiError('Timeout', `${method} ${where}: no answer in time`, { path: where, cause });
      throw new AdminApiError('NetworkError', `cannot reach the admin API at ${this.endpoint.origin}`, { path: where, cause });
    }
    if (!res.ok) throw errorOf(res.status, text, where);
    if (res.status === 204 || text === '') return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch (cause) {
      throw new AdminApiError('InvalidResponse', `the admin API answered ${res.status} with a body that is not JSON`, { status: res.status, path: where, cause });
    }
  }
}

function errorOf(status: number, text: string, path: string): AdminApiError {
  try {
    const body: unknown = JSON.parse(text);
    if (typeof body === 'object' && body !== null) {
      const { code, message } = body as Record<string, unknown>;
      if (typeof code === 'string' && typeof message === 'string') return new AdminApiError(code, message, { status, path });
    }
  } catch {
    // not the API's error body: reported below with its status
  }
  return new AdminApiError('InvalidResponse', `the admin API answered ${status}: ${text.slice(0, 200)}`, { status, path });
}
