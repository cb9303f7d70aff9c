/**
 * `K2vClient`: the nine K2V operations, one call each, exactly as the wire contract defines
 * them (Garage's `k2v-client` names in camelCase), plus what applications built on them need:
 * range iterators, watches, read-modify-write and presigned links.
 */
import { K2vError } from './errors.js';
import type { InsertEntry, PollOptions, PollRangeQuery, PollRangeResult, PresignOptions, RangeFilter, Resolver } from './call-shapes.js';
import { iterateItems, iteratePartitions, type ItemsFilter, type PartitionsFilter } from './iterate.js';
import { causalityToken, itemOf, type CausalityToken, type Item, type KeyedItem, type RangeResult } from './items.js';
import { checkOptions, optionsFromEnv, type K2vClientOptions } from './options.js';
import { Signer } from './sigv4/signer.js';
import { exchange, jsonOf, requestPath, type Answer, type CallOptions, type Exchange, type TransportConfig } from './transport.js';
import { formatQuery } from './sigv4/uri-encode.js';
import { encodeBase64, fromWire, isLive, toBytes, type Value, type ValueInput } from './values.js';
import { watchItem, watchRange, type Watch, type WatchItemOptions, type WatchRangeOptions } from './watch.js';
import type {
  DeleteBatchQuery,
  IndexEntry,
  DeleteBatchResult,
  InsertBatchEntry,
  PollRangeRequest,
  PollRangeResponse,
  ReadBatchQuery,
  ReadBatchResult,
  ReadIndexResult,
  ReadItemBody,
} from './wire.js';

const MAX_PRESIGN_SECONDS = 604_800;
const JSON_TYPE = 'application/json';
const TOKEN_HEADER = 'x-garage-causality-token';
const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_POLL_SECONDS = 300;
const POLL_MARGIN_MS = 10_000;
const UTF8 = new TextEncoder();

/**
 * Keys that the single-item endpoints cannot address: an empty key (contract section 3), and
 * the partition keys `.` and `..`, which every URL parser (fetch's included) removes from a path
 * as dot segments. Reads and writes of such items go through the batch endpoints, which carry
 * keys in the JSON body.
 */
function needsBatch(pk: string, sk: string): boolean {
  return pk === '' || pk === '.' || pk === '..' || sk === '';
}

/**
 * A client of one bucket of a K2V server. Stateless apart from the cached signing key, so one
 * instance may serve a whole application; in Node its requests share keep-alive connections.
 *
 * Idempotent reads (`readItem`, `readIndex`, `readBatch`, the polls) are retried on network
 * errors and 503 answers, with exponential back-off. Writes are never retried on their own: a
 * write whose answer was lost may have been applied, and sending it again would add a second
 * concurrent value (a sibling) instead of replacing the first.
 */
export class K2vClient {
  /** The bucket this client reads and writes. */
  readonly bucket: string;
  /** The SigV4 region it signs for. */
  readonly region: string;
  /** The K2V API base URL. */
  readonly endpoint: URL;
  private readonly transport: TransportConfig;

  /** A client for `options.bucket` on `options.endpoint`; throws `InvalidArgument` on a missing or bad setting. */
  constructor(options: K2vClientOptions) {
    this.endpoint = checkOptions(options);
    this.bucket = options.bucket;
    this.region = options.region ?? 'garage';
    const f = options.fetch ?? globalThis.fetch;
    if (typeof f !== 'function') throw new K2vError('InvalidArgument', 'k2v-client: no fetch in this runtime; pass options.fetch');
    this.transport = {
      endpoint: this.endpoint,
      bucket: options.bucket,
      signer: new Signer({ accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey }, this.region),
      // Called unbound, `fetch` throws "Illegal invocation" in browsers.
      fetch: (input, init) => f.call(globalThis, input, init),
      timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      retry: {
        retries: options.retry?.retries ?? 3,
        minDelayMs: options.retry?.minDelayMs ?? 100,
        maxDelayMs: options.retry?.maxDelayMs ?? 2_000,
      },
    };
  }

  /**
   * A client from the environment: `K2V_ENDPOINT`, `AWS_REGION` (default `garage`),
   * `AWS_ACCESS_KEY_ID` or `K2V_KEY_ID`, `AWS_SECRET_ACCESS_KEY` or `K2V_KEY_SECRET`,
   * `K2V_BUCKET`; `overrides` win. Throws `InvalidArgument` naming every missing variable.
   */
  static fromEnv(overrides: Partial<K2vClientOptions> = {}): K2vClient {
    return new K2vClient(optionsFromEnv(overrides));
  }

  /** Sends one exchange with this client's settings. */
  private send(ex: Omit<Exchange, 'timeoutMs' | 'signal'>, opts: CallOptions = {}, defaultTimeoutMs?: number): Promise<Answer> {
    return exchange(this.transport, {
      ...ex,
      timeoutMs: opts.timeoutMs ?? defaultTimeoutMs ?? this.transport.timeoutMs,
      signal: opts.signal,
    });
  }

  /**
   * ReadItem: the item's token and every concurrent value (a tombstone is `null`), or
   * `undefined` when the item was never written (or its tombstones were collected).
   */
  async readItem(pk: string, sk: string, opts: CallOptions = {}): Promise<Item | undefined> {
    if (needsBatch(pk, sk)) {
      const [r] = await this.readBatch([{ partitionKey: pk, start: sk, singleItem: true, tombstones: true }], opts);
      const found = r?.items[0];
      return found === undefined ? undefined : { token: found.token, values: found.values };
    }
    let answer: Answer;
    try {
      // JSON only: every value and the token, whatever the number of values.
      answer = await this.send({ method: 'GET', pk, query: [['sort_key', sk]], accept: JSON_TYPE, idempotent: true }, opts);
    } catch (err) {
      if (err instanceof K2vError && err.code === 'NoSuchKey') return undefined;
      throw err;
    }
    return itemAnswer(answer);
  }

  /**
   * InsertItem: writes `value` (bytes, or a string stored as UTF-8). With the `token` of a read,
   * it replaces the values that read saw; without one, it is one more concurrent value.
   */
  async insertItem(pk: string, sk: string, value: ValueInput, token?: CausalityToken, opts: CallOptions = {}): Promise<void> {
    if (needsBatch(pk, sk)) return this.insertBatch([{ pk, sk, value, token: token ?? null }], opts);
    await this.send(
      { method: 'PUT', pk, query: [['sort_key', sk]], headers: tokenHeader(token), body: toBytes(value), idempotent: false },
      opts,
    );
  }

  /**
   * DeleteItem: writes a tombstone. With the `token` of a read it supersedes the values that
   * read saw (the item reads `[null]` until its tombstone is collected); without one it is only
   * concurrent with them, and they stay. `update(pk, sk, () => null)` reads and deletes in one call.
   */
  async deleteItem(pk: string, sk: string, token?: CausalityToken, opts: CallOptions = {}): Promise<void> {
    if (needsBatch(pk, sk)) return this.insertBatch([{ pk, sk, value: null, token: token ?? null }], opts);
    await this.send({ method: 'DELETE', pk, query: [['sort_key', sk]], headers: tokenHeader(token), idempotent: false }, opts);
  }

  /**
   * PollItem: waits until the item changes from the version `token` names, then answers as
   * `readItem`; `undefined` when `timeoutSeconds` went by without a change. An item never
   * written waits for its first write (pass {@link EMPTY_TOKEN}).
   */
  async pollItem(pk: string, sk: string, token: CausalityToken, opts: PollOptions = {}): Promise<Item | undefined> {
    if (needsBatch(pk, sk)) {
      throw new K2vError('InvalidArgument', `pollItem cannot address ${JSON.stringify(pk)}/${JSON.stringify(sk)} (empty key, or a partition key "." or ".."); use pollRange`);
    }
    const seconds = opts.timeoutSeconds ?? DEFAULT_POLL_SECONDS;
    const answer = await this.send(
      {
        method: 'GET',
        pk,
        query: [['sort_key', sk], ['causality_token', token], ['timeout', String(seconds)]],
        accept: JSON_TYPE,
        idempotent: true,
        ok: [200, 304],
      },
      opts,
      seconds * 1000 + POLL_MARGIN_MS,
    );
    return answer.status === 304 ? undefined : itemAnswer(answer);
  }

  /**
   * PollRange: without `seenMarker`, answers at once with every item of the range (tombstones
   * included) and a first marker; with one, waits until an item of the range changes and
   * returns the changed items and the next marker; `undefined` when `timeoutSeconds` went by.
   */
  async pollRange(pk: string, query: PollRangeQuery = {}, opts: PollOptions = {}): Promise<PollRangeResult | undefined> {
    const seconds = opts.timeoutSeconds ?? DEFAULT_POLL_SECONDS;
    const body: PollRangeRequest = { ...definedFields(query, ['prefix', 'start', 'end', 'seenMarker']), timeout: seconds };
    const answer = await this.send(
      { method: 'POST', pk, query: [['poll_range', '']], body: jsonBody(body), idempotent: true, ok: [200, 304] },
      opts,
      seconds * 1000 + POLL_MARGIN_MS,
    );
    if (answer.status === 304) return undefined;
    const res = jsonOf<PollRangeResponse>(answer);
    if (!Array.isArray(res.items) || typeof res.seenMarker !== 'string') throw shapeError(answer, 'PollRange');
    return { items: res.items.map(itemOf), seenMarker: res.seenMarker };
  }

  /**
   * ReadIndex: the partition keys of the bucket in a range, with their counters (entries,
   * conflicts, values, bytes). Follow `nextStart` while `more`, or use {@link partitions}.
   */
  async readIndex(filter: RangeFilter = {}, opts: CallOptions = {}): Promise<ReadIndexResult> {
    const query: [string, string][] = [];
    for (const k of ['prefix', 'start', 'end'] as const) {
      const v = filter[k];
      if (v !== undefined) query.push([k, v]);
    }
    if (filter.limit !== undefined) query.push(['limit', String(filter.limit)]);
    if (filter.reverse === true) query.push(['reverse', 'true']);
    const answer = await this.send({ method: 'GET', query, idempotent: true }, opts);
    const res = jsonOf<ReadIndexResult>(answer);
    if (!Array.isArray(res.partitionKeys)) throw shapeError(answer, 'ReadIndex');
    return res;
  }

  /**
   * InsertBatch: several writes in one request (a `null` value writes a tombstone), applied
   * atomically by this server. Entries for the same item apply in order.
   */
  async insertBatch(entries: readonly InsertEntry[], opts: CallOptions = {}): Promise<void> {
    const body: InsertBatchEntry[] = entries.map((e) => ({
      pk: e.pk,
      sk: e.sk,
      ct: e.token ?? null,
      v: e.value === null ? null : encodeBase64(toBytes(e.value)),
    }));
    await this.send({ method: 'POST', body: jsonBody(body), idempotent: false }, opts);
  }

  /**
   * ReadBatch: several range or single-item reads in one request, one result per query, in
   * order. Tombstone-only items are left out unless `tombstones: true`; without `limit` the whole
   * range comes back.
   */
  async readBatch(queries: readonly ReadBatchQuery[], opts: CallOptions = {}): Promise<RangeResult[]> {
    const answer = await this.send({ method: 'POST', query: [['search', '']], body: jsonBody(queries), idempotent: true }, opts);
    const res = jsonOf<ReadBatchResult[]>(answer);
    if (!Array.isArray(res) || !res.every((r) => Array.isArray(r?.items))) throw shapeError(answer, 'ReadBatch');
    return res.map((r) => ({ ...r, items: r.items.map(itemOf) }));
  }

  /**
   * DeleteBatch: deletes every item of each range (or one item with `singleItem`), each with
   * its own current token; returns how many items each query deleted.
   */
  async deleteBatch(queries: readonly DeleteBatchQuery[], opts: CallOptions = {}): Promise<DeleteBatchResult[]> {
    const answer = await this.send({ method: 'POST', query: [['delete', '']], body: jsonBody(queries), idempotent: false }, opts);
    const res = jsonOf<DeleteBatchResult[]>(answer);
    if (!Array.isArray(res)) throw shapeError(answer, 'DeleteBatch');
    return res;
  }

  /**
   * Every item of a partition range, in order, fetched page by page (ReadBatch with `limit`
   * `pageSize`, following `nextStart`): `for await (const item of k2v.items(pk, { prefix }))`.
   * `opts` applies to each page's request.
   */
  items(pk: string, filter: ItemsFilter = {}, opts: CallOptions = {}): AsyncGenerator<KeyedItem, void, undefined> {
    return iterateItems(this, pk, filter, opts);
  }

  /** Every partition of the index in a range, with its counters, page by page (ReadIndex, following `nextStart`). */
  partitions(filter: PartitionsFilter = {}, opts: CallOptions = {}): AsyncGenerator<IndexEntry, void, undefined> {
    return iteratePartitions(this, filter, opts);
  }

  /**
   * The item as it changes: first its current state (unless `initial: false`, or `since` is
   * given; nothing if it does not exist), then each new version as PollItem reports it. Polls
   * again after a timeout, waits out network errors and 503s with back-off; ends on
   * `opts.signal`, `break` or `return()`; other errors (e.g. AccessDenied) are thrown by the loop.
   */
  watchItem(pk: string, sk: string, opts: WatchItemOptions = {}): Watch<Item> {
    return watchItem(this, pk, sk, opts);
  }

  /**
   * The changes of a partition range, one batch per PollRange answer (`{ items, seenMarker }`,
   * tombstones included): first every item of the range (unless `initial: false`, or `since`
   * is a marker to resume from), then the items that changed. Same loop rules as `watchItem`;
   * keep a batch's `seenMarker` to resume later with `since`.
   */
  watchRange(pk: string, filter: { prefix?: string; start?: string; end?: string } = {}, opts: WatchRangeOptions = {}): Watch<PollRangeResult> {
    return watchRange(this, pk, filter, opts);
  }

  /**
   * Read-modify-write: reads the item, gives `fn` every concurrent value, writes what it
   * returns with the token of that read, so the write supersedes (resolves) them all. `null`
   * deletes, `undefined` writes nothing. Returns what was written. Not a transaction: a write
   * by someone else between the read and the write survives beside this one, as a sibling that
   * the next `update` gets to resolve.
   */
  async update(pk: string, sk: string, fn: Resolver, opts: CallOptions = {}): Promise<Value | undefined> {
    const item = await this.readItem(pk, sk, opts);
    const next = await fn(item === undefined ? [] : item.values.filter(isLive), item);
    if (next === undefined) return undefined;
    if (next === null) {
      if (item !== undefined && !item.values.every((v) => v === null)) await this.deleteItem(pk, sk, item.token, opts);
      return null;
    }
    const bytes = toBytes(next);
    await this.insertItem(pk, sk, bytes, item?.token, opts);
    return bytes;
  }

  /**
   * A presigned ReadItem URL: anyone holding it can GET the item (no credentials, no headers)
   * until it expires, e.g. a link in a page or `curl`. The answer is ReadItem's: when the GET
   * accepts any type (browsers and fetch do) or binary, the raw value if the item has exactly
   * one, else the JSON array of base64 values; the token in `X-Garage-Causality-Token`.
   */
  async presignReadItem(pk: string, sk: string, opts: PresignOptions = {}): Promise<string> {
    if (needsBatch(pk, sk)) {
      throw new K2vError('InvalidArgument', `presignReadItem cannot address ${JSON.stringify(pk)}/${JSON.stringify(sk)} (empty key, or a partition key "." or "..")`);
    }
    const expiresIn = opts.expiresIn ?? 3600;
    if (!Number.isInteger(expiresIn) || expiresIn < 1 || expiresIn > MAX_PRESIGN_SECONDS) {
      throw new K2vError('InvalidArgument', `expiresIn must be a whole number of seconds from 1 to ${MAX_PRESIGN_SECONDS}, not ${expiresIn}`);
    }
    const path = requestPath(this.transport, pk);
    const query: [string, string][] = [['sort_key', sk]];
    const auth = await this.transport.signer.presign(
      { method: 'GET', host: this.endpoint.host, path, query, date: opts.date ?? new Date() },
      expiresIn,
    );
    return this.endpoint.origin + path + '?' + formatQuery([...query, ...auth]);
  }
}

function tokenHeader(token: CausalityToken | undefined): Record<string, string> {
  return token === undefined ? {} : { [TOKEN_HEADER]: token };
}

function jsonBody(value: unknown): Uint8Array<ArrayBuffer> {
  return UTF8.encode(JSON.stringify(value));
}

function definedFields<T extends object, K extends keyof T>(o: T, keys: readonly K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  return out;
}

/** A ReadItem / PollItem 200 answer (JSON) as an Item. */
function itemAnswer(answer: Answer): Item {
  const token = answer.headers.get(TOKEN_HEADER);
  if (token === null || token === '') {
    throw new K2vError(
      'InvalidResponse',
      `${answer.path}: no X-Garage-Causality-Token header in the answer (in a browser: add it to the bucket's CORS exposeHeaders)`,
      { status: answer.status, path: answer.path },
    );
  }
  const body = jsonOf<ReadItemBody>(answer);
  if (!Array.isArray(body)) throw shapeError(answer, 'ReadItem');
  return { token: causalityToken(token), values: body.map(fromWire) };
}

function shapeError(answer: Answer, what: string): K2vError {
  return new K2vError('InvalidResponse', `${answer.path}: the ${what} answer does not have the contract's shape`, {
    status: answer.status,
    path: answer.path,
  });
}
