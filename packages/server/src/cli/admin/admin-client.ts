/**
 * A client of the admin API v1 (Garage's routes, README "Admin API"): keys, buckets, aliases and
 * permissions. Fetch only, no Node API, so the web console can use it in a browser as it is.
 * Every refusal is an {@link AdminApiError} with the contract's code, the HTTP status and the
 * server's message; a server that cannot be reached is code `NetworkError`, status 0.
 */
import type { RestoreSummary } from '../../admin/k2v-restore.js';
import type { BucketInfo, KeyInfo, ListBucketsItem, ListKeysItem } from '../../admin/wire.js';

export type { BucketInfo, KeyInfo, ListBucketsItem, ListKeysItem, RestoreSummary };

export interface Permissions {
  read?: boolean;
  write?: boolean;
  owner?: boolean;
}


export class AdminApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'AdminApiError';
  }
}

export interface AdminClientOptions {
  /** Base URL of the admin listener, e.g. `http://127.0.0.1:3903`. */
  endpoint: string;
  /** The admin bearer token. */
  token: string | undefined;
  /** Per call; default 30 s. */
  timeoutMs?: number;
}

type Query = Record<string, string>;

export class AdminClient {
  private readonly base: string;

  constructor(private readonly options: AdminClientOptions) {
    this.base = options.endpoint.replace(/\/+$/, '');
  }

  /** All keys, id and name. */
  listKeys(): Promise<ListKeysItem[]> {
    return this.call('GET', '/v1/key');
  }

  /** One key, by exact id or by `search` (a prefix of its id or its whole name, one match only). */
  getKey(find: { id: string } | { search: string }, showSecret = false): Promise<KeyInfo> {
    return this.call('GET', '/v1/key', { ...find, ...(showSecret ? { showSecretKey: 'true' } : {}) });
  }

  createKey(name: string | undefined): Promise<KeyInfo> {
    return this.call('POST', '/v1/key', {}, name === undefined ? {} : { name });
  }

  importKey(accessKeyId: string, secretAccessKey: string, name: string | undefined): Promise<KeyInfo> {
    return this.call('POST', '/v1/key/import', {}, { accessKeyId, secretAccessKey, ...(name === undefined ? {} : { name }) });
  }

  /** Renames a key and/or sets (`allow`) or clears (`deny`) its createBucket flag. */
  updateKey(id: string, change: { name?: string; allow?: { createBucket: boolean }; deny?: { createBucket: boolean } }): Promise<KeyInfo> {
    return this.call('POST', '/v1/key', { id }, change);
  }

  deleteKey(id: string): Promise<void> {
    return this.call('DELETE', '/v1/key', { id });
  }

  listBuckets(): Promise<ListBucketsItem[]> {
    return this.call('GET', '/v1/bucket');
  }

  getBucket(find: { id: string } | { globalAlias: string }): Promise<BucketInfo> {
    return this.call('GET', '/v1/bucket', find);
  }

  createBucket(request: { globalAlias?: string; localAlias?: { accessKeyId: string; alias: string; allow?: Permissions } }): Promise<BucketInfo> {
    return this.call('POST', '/v1/bucket', {}, request);
  }

  /** Refused (409 BucketNotEmpty) while the bucket holds K2V items. */
  deleteBucket(id: string): Promise<void> {
    return this.call('DELETE', '/v1/bucket', { id });
  }

  allowKey(bucketId: string, accessKeyId: string, permissions: Permissions): Promise<BucketInfo> {
    return this.call('POST', '/v1/bucket/allow', {}, { bucketId, accessKeyId, permissions });
  }

  denyKey(bucketId: string, accessKeyId: string, permissions: Permissions): Promise<BucketInfo> {
    return this.call('POST', '/v1/bucket/deny', {}, { bucketId, accessKeyId, permissions });
  }

  addGlobalAlias(id: string, alias: string): Promise<BucketInfo> {
    return this.call('PUT', '/v1/bucket/alias/global', { id, alias });
  }

  removeGlobalAlias(id: string, alias: string): Promise<BucketInfo> {
    return this.call('DELETE', '/v1/bucket/alias/global', { id, alias });
  }

  addLocalAlias(id: string, accessKeyId: string, alias: string): Promise<BucketInfo> {
    return this.call('PUT', '/v1/bucket/alias/local', { id, accessKeyId, alias });
  }

  removeLocalAlias(id: string, accessKeyId: string, alias: string): Promise<BucketInfo> {
    return this.call('DELETE', '/v1/bucket/alias/local', { id, accessKeyId, alias });
  }

  /**
   * `k2v snapshot`: the server copies the whole store into `dir` (absolute, on the server's
   * machine; new or empty). As long as the copy takes: no timeout.
   */
  snapshot(dir: string): Promise<{ dir: string; durationMs: number }> {
    return this.call('POST', '/v1/k2v/snapshot', {}, { dir }, null);
  }

  /** `k2v dump`: the dump (NDJSON) as a stream, checked for an error answer first. */
  async dump(bucketId: string | undefined): Promise<ReadableStream<Uint8Array>> {
    const res = await this.send('GET', '/v1/k2v/dump', bucketId === undefined ? {} : { bucket: bucketId }, {}, null);
    if (!res.ok || res.body === null) throw errorOf(res.status, await res.text());
    return res.body;
  }

  /**
   * `k2v restore`: streams a dump (or one part of a dump file, whose second line is the file's
   * line `firstLine`) to the server; resolves to its summary.
   */
  restore(dump: ReadableStream<Uint8Array>, bucketId: string | undefined, firstLine = 2): Promise<RestoreSummary> {
    const query: Query = { ...(bucketId === undefined ? {} : { bucket: bucketId }), ...(firstLine > 2 ? { firstLine: String(firstLine) } : {}) };
    return this.call('POST', '/v1/k2v/restore', query, { stream: dump }, null);
  }

  /** `timeoutMs` null: none (a long transfer). */
  private async send(
    method: string,
    path: string,
    query: Query,
    body: { json?: unknown; stream?: ReadableStream<Uint8Array> },
    timeoutMs?: number | null,
  ): Promise<Response> {
    const qs = new URLSearchParams(query).toString();
    const url = `${this.base}${path}${qs === '' ? '' : `?${qs}`}`;
    const headers: Record<string, string> = {};
    if (this.options.token !== undefined) headers.authorization = `Bearer ${this.options.token}`;
    if (body.json !== undefined) headers['content-type'] = 'application/json';
    if (body.stream !== undefined) headers['content-type'] = 'application/x-ndjson';
    const timeout = timeoutMs === null ? undefined : (timeoutMs ?? this.options.timeoutMs ?? 30_000);
    try {
      // `duplex: 'half'` is how fetch takes a streamed request body (not yet in the DOM types).
      const init = {
        method,
        headers,
        ...(body.json !== undefined ? { body: JSON.stringify(body.json) } : {}),
        ...(body.stream !== undefined ? { body: body.stream, duplex: 'half' } : {}),
        ...(timeout === undefined ? {} : { signal: AbortSignal.timeout(timeout) }),
      };
      return await fetch(url, init as RequestInit);
    } catch (err) {
      const why = err instanceof Error && err.cause instanceof Error ? err.cause.message : err instanceof Error ? err.message : String(err);
      throw new AdminApiError('NetworkError', `cannot reach the admin API at ${this.base}: ${why}`, 0);
    }
  }

  private async call<T>(
    method: string,
    path: string,
    query: Query = {},
    body?: unknown,
    timeoutMs?: number | null,
  ): Promise<T> {
    const isStream = typeof body === 'object' && body !== null && 'stream' in body;
    const res = await this.send(method, path, query, isStream ? (body as { stream: ReadableStream<Uint8Array> }) : { json: body }, timeoutMs);
    const text = await res.text();
    if (!res.ok) throw errorOf(res.status, text);
    if (res.status === 204 || text === '') return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new AdminApiError('InvalidResponse', `the admin API answered ${res.status} with a body that is not JSON`, res.status);
    }
  }
}

function errorOf(status: number, text: string): AdminApiError {
  try {
    const body: unknown = JSON.parse(text);
    if (typeof body === 'object' && body !== null) {
      const { code, message } = body as Record<string, unknown>;
      if (typeof code === 'string' && typeof message === 'string') return new AdminApiError(code, message, status);
    }
  } catch {
    // not a contract error body: reported below with its status
  }
  return new AdminApiError('InvalidResponse', `the admin API answered ${status}: ${text.slice(0, 200)}`, status);
}
