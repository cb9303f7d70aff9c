/**
 * The LMDB-backed MetadataStore (src/store/metadata.ts): access keys, buckets and the ids of every
 * key ever created, all held in memory for synchronous reads on the auth hot path, and persisted
 * in one lmdb database (msgpack values) under the string keys `key/<id>`, `bucket/<id>`,
 * `used/<id>`, `admintoken/<id>` and `usedtoken/<id>`.
 *
 * Invariants kept by `update()` (a violating draft is rejected with StoreError 'Conflict'):
 * - a global alias names one bucket; a (key, alias) pair names one bucket;
 * - local aliases and permissions only reference existing keys;
 * - `usedKeyIds` only grows, and contains the id of every key;
 * - `usedAdminTokenIds` only grows, and contains the id of every admin token.
 * The in-memory copy is replaced only after the transaction is durable, and its records are
 * frozen so that no reader can change them behind the store's back.
 *
 * Several processes (`k2v server --workers N`): each update also advances a generation counter
 * (`MetaGeneration`), in its transaction. Every read of the metadata first has the environment's
 * read snapshot renewed for this turn (peer-processes.ts), and a renewal that finds another
 * generation reloads the records: a change made through any process is in force in every other
 * one for each request that arrives after the change was acknowledged. An update is built on the
 * records of one generation; if its transaction finds another, it is rebuilt on the new records
 * (fn runs again), so no process overwrites a change it has not seen.
 */
import { isDeepStrictEqual } from 'node:util';
import type { Key as LmdbKey, RangeOptions } from 'lmdb';
import { StoreError } from '../errors.js';
import { lmdbErrorCode } from './lmdb-errors.js';
import type { AccessKey, AdminToken, Bucket, MetadataDraft, MetadataRecords, MetadataStore } from '../metadata.js';

/** The part of an lmdb-js `Database` this store uses (a `Database` satisfies it). */
export interface MetaDatabase {
  getRange(options?: RangeOptions): Iterable<{ key: LmdbKey; value: unknown }>;
  transaction<T>(action: () => T): Promise<T>;
  put(key: string, value: unknown): Promise<boolean>;
  remove(key: string): Promise<boolean>;
  readonly flushed: Promise<boolean>;
}

/** The records' database as a read snapshot reads it. */
export type MetaRecordsDb = Pick<MetaDatabase, 'getRange'>;

/** The generation counter of metadata shared by several processes (see above). */
export interface MetaGeneration {
  /** The committed generation (in a write transaction: that transaction's). */
  read(): number;
  /** Inside the update's transaction. */
  write(n: number): void;
  /** Before every metadata read: renews the read snapshot (once per turn), then `checkGeneration`. */
  freshen(): void;
}

const KEY_PREFIX = 'key/';
const BUCKET_PREFIX = 'bucket/';
const USED_PREFIX = 'used/';
const ADMIN_TOKEN_PREFIX = 'admintoken/';
const USED_TOKEN_PREFIX = 'usedtoken/';

interface State {
  readonly keys: ReadonlyMap<string, AccessKey>;
  readonly buckets: ReadonlyMap<string, Bucket>;
  readonly usedKeyIds: ReadonlySet<string>;
  readonly adminTokens: ReadonlyMap<string, AdminToken>;
  readonly usedAdminTokenIds: ReadonlySet<string>;
  /** global alias -> bucket id */
  readonly globalAliases: ReadonlyMap<string, string>;
  /** access key id -> (local alias -> bucket id) */
  readonly localAliases: ReadonlyMap<string, ReadonlyMap<string, string>>;
}

export class LmdbMetadataStore implements MetadataStore {
  private state: State;
  /** Tail of the update queue: updates run one at a time, in call order. */
  private queue: Promise<unknown> = Promise.resolve();

  /** The generation `state` was read at (MetaGeneration; 0 without one). */
  private generation: number;

  private constructor(
    private readonly db: MetaDatabase,
    draft: MetadataDraft,
    /** Read inside a write transaction of the same environment (mustBeEmpty). */
    private readonly bucketHasItems: (bucketId: string) => boolean,
    private readonly shared: MetaGeneration | undefined,
  ) {
    this.state = buildState(draft);
    this.generation = shared?.read() ?? 0;
  }

  /**
   * Reads every metadata record of `db` into memory; throws on a record it cannot parse.
   * `bucketHasItems` reads the items database of the same environment (so that it runs in the
   * metadata's write transaction).
   */
  static load(db: MetaDatabase, bucketHasItems: (bucketId: string) => boolean = () => false, shared?: MetaGeneration): LmdbMetadataStore {
    return new LmdbMetadataStore(db, readDraft(db), bucketHasItems, shared);
  }

  /** After a read snapshot renewal: reloads the records if another process changed them. */
  checkGeneration(): void {
    if (this.shared === undefined) return;
    const g = this.shared.read();
    if (g === this.generation) return;
    this.state = buildState(readDraft(this.db));
    this.generation = g;
  }

  private get current(): State {
    this.shared?.freshen();
    return this.state;
  }

  getKey(id: string): AccessKey | undefined {
    return this.current.keys.get(id);
  }

  listKeys(): AccessKey[] {
    return [...this.current.keys.values()];
  }

  getBucket(id: string): Bucket | undefined {
    return this.current.buckets.get(id);
  }

  listBuckets(): Bucket[] {
    return [...this.current.buckets.values()];
  }

  resolveGlobalAlias(alias: string): string | undefined {
    return this.current.globalAliases.get(alias);
  }

  resolveLocalAlias(accessKeyId: string, alias: string): string | undefined {
    return this.current.localAliases.get(accessKeyId)?.get(alias);
  }

  keyIdEverUsed(id: string): boolean {
    return this.current.usedKeyIds.has(id);
  }

  getAdminToken(id: string): AdminToken | undefined {
    return this.current.adminTokens.get(id);
  }

  listAdminTokens(): AdminToken[] {
    return [...this.current.adminTokens.values()];
  }

  adminTokenIdEverUsed(id: string): boolean {
    return this.current.usedAdminTokenIds.has(id);
  }

  update<T>(fn: (draft: MetadataDraft) => T | Promise<T>): Promise<T> {
    const run = this.queue.then(() => this.runUpdate(fn));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async runUpdate<T>(fn: (draft: MetadataDraft) => T | Promise<T>): Promise<T> {
    for (;;) {
      this.shared?.freshen();
      const outcome = await this.tryUpdate(fn);
      if (outcome.done) return outcome.result;
      // Another process committed a change since our records were read: rebuild on its records.
      this.checkGeneration();
    }
  }

  private async tryUpdate<T>(fn: (draft: MetadataDraft) => T | Promise<T>): Promise<{ done: true; result: T } | { done: false }> {
    const before = this.state;
    const basedOn = this.generation;
    const draft: MetadataDraft = {
      keys: structuredClone(new Map(before.keys)),
      buckets: structuredClone(new Map(before.buckets)),
      adminTokens: structuredClone(new Map(before.adminTokens)),
      usedKeyIds: new Set(before.usedKeyIds),
      usedAdminTokenIds: new Set(before.usedAdminTokenIds),
      mustBeEmpty: new Set(),
    };
    const result = await fn(draft);
    for (const id of before.usedKeyIds) draft.usedKeyIds.add(id);
    for (const id of draft.keys.keys()) draft.usedKeyIds.add(id);
    // The tokens of before too: a store from before this set existed records a deletion as well.
    for (const id of [...before.usedAdminTokenIds, ...before.adminTokens.keys(), ...draft.adminTokens.keys()]) draft.usedAdminTokenIds.add(id);
    const next = buildState(draft);

    const puts: [string, unknown][] = [];
    const removes: string[] = [];
    diffRecords(KEY_PREFIX, before.keys, next.keys, puts, removes);
    diffRecords(BUCKET_PREFIX, before.buckets, next.buckets, puts, removes);
    diffRecords(ADMIN_TOKEN_PREFIX, before.adminTokens, next.adminTokens, puts, removes);
    for (const id of next.usedKeyIds) if (!before.usedKeyIds.has(id)) puts.push([USED_PREFIX + id, true]);
    for (const id of next.usedAdminTokenIds) if (!before.usedAdminTokenIds.has(id)) puts.push([USED_TOKEN_PREFIX + id, true]);

    if (puts.length > 0 || removes.length > 0) {
      const mustBeEmpty = [...draft.mustBeEmpty];
      let notEmpty: string | undefined;
      let stale = false;
      try {
        await this.db.transaction(() => {
          if (this.shared !== undefined && this.shared.read() !== basedOn) {
            stale = true;
            return;
          }
          // Item writes share this single LMDB writer: none can land between this check and the puts.
          notEmpty = mustBeEmpty.find((id) => this.bucketHasItems(id));
          if (notEmpty !== undefined) return;
          for (const [k, v] of puts) void this.db.put(k, v);
          for (const k of removes) void this.db.remove(k);
          this.shared?.write(basedOn + 1);
        });
        // The transaction promise resolves at commit, possibly before the data is on disk.
        await this.db.flushed;
      } catch (err) {
        // Awaiting the error's `commitError` handles that second promise (see lmdb-errors.ts).
        const code = await lmdbErrorCode(err);
        throw new StoreError('Unavailable', `metadata commit failed (LMDB code ${code ?? 'unknown'})`, { cause: err });
      }
      if (stale) return { done: false };
      if (notEmpty !== undefined) throw new StoreError('BucketNotEmpty', `bucket ${notEmpty} still holds K2V items`);
      if (this.shared !== undefined) this.generation = basedOn + 1;
    }
    this.state = next;
    return { done: true, result };
  }
}

/** Every metadata record of `db`; throws on a record it cannot parse. */
/**
 * The keys, buckets and admin tokens of a run of metadata records (both backends keep the same
 * records): what a snapshot holds, read in that snapshot's transaction.
 */
export function metadataOfRecords(records: Iterable<{ key: LmdbKey; value: unknown }>): MetadataRecords {
  const d = draftOf(records);
  return { keys: [...d.keys.values()], buckets: [...d.buckets.values()], adminTokens: [...d.adminTokens.values()] };
}

function readDraft(db: MetaDatabase): MetadataDraft {
  return draftOf(db.getRange());
}

function draftOf(records: Iterable<{ key: LmdbKey; value: unknown }>): MetadataDraft {
  const draft: MetadataDraft = {
    keys: new Map(),
    buckets: new Map(),
    adminTokens: new Map(),
    usedKeyIds: new Set(),
    usedAdminTokenIds: new Set(),
    mustBeEmpty: new Set(),
  };
  for (const { key, value } of records) {
    if (typeof key !== 'string') continue;
    if (key.startsWith(KEY_PREFIX)) {
      const k = parseAccessKey(value, key);
      draft.keys.set(k.id, k);
    } else if (key.startsWith(BUCKET_PREFIX)) {
      const b = parseBucket(value, key);
      draft.buckets.set(b.id, b);
    } else if (key.startsWith(USED_PREFIX)) {
      draft.usedKeyIds.add(key.slice(USED_PREFIX.length));
    } else if (key.startsWith(ADMIN_TOKEN_PREFIX)) {
      const t = parseAdminToken(value, key);
      draft.adminTokens.set(t.id, t);
    } else if (key.startsWith(USED_TOKEN_PREFIX)) {
      draft.usedAdminTokenIds.add(key.slice(USED_TOKEN_PREFIX.length));
    }
  }
  return draft;
}

function diffRecords<R extends { readonly id: string }>(
  prefix: string,
  before: ReadonlyMap<string, R>,
  after: ReadonlyMap<string, R>,
  puts: [string, unknown][],
  removes: string[],
): void {
  for (const [id, rec] of after) {
    const old = before.get(id);
    if (old === undefined || !isDeepStrictEqual(old, rec)) puts.push([prefix + id, rec]);
  }
  for (const id of before.keys()) if (!after.has(id)) removes.push(prefix + id);
}

/** Checks the draft's invariants, builds the alias indexes and freezes every record. */
function buildState(draft: MetadataDraft): State {
  const globalAliases = new Map<string, string>();
  const localAliases = new Map<string, Map<string, string>>();
  for (const [id, key] of draft.keys) {
    if (key.id !== id) throw conflict(`key record ${key.id} filed under ${id}`);
    deepFreeze(key);
  }
  for (const [id, bucket] of draft.buckets) {
    if (bucket.id !== id) throw conflict(`bucket record ${bucket.id} filed under ${id}`);
    for (const alias of bucket.globalAliases) {
      const other = globalAliases.get(alias);
      if (other !== undefined && other !== id) throw conflict(`global alias ${alias} names two buckets`);
      globalAliases.set(alias, id);
    }
    for (const { accessKeyId, alias } of bucket.localAliases) {
      if (!draft.keys.has(accessKeyId)) throw conflict(`local alias ${alias} of unknown key ${accessKeyId}`);
      let ofKey = localAliases.get(accessKeyId);
      if (ofKey === undefined) localAliases.set(accessKeyId, (ofKey = new Map()));
      const other = ofKey.get(alias);
      if (other !== undefined && other !== id) throw conflict(`local alias ${alias} of ${accessKeyId} names two buckets`);
      ofKey.set(alias, id);
    }
    for (const keyId of Object.keys(bucket.keys)) {
      if (!draft.keys.has(keyId)) throw conflict(`permission of unknown key ${keyId} on bucket ${id}`);
    }
    deepFreeze(bucket);
  }
  for (const [id, token] of draft.adminTokens) {
    if (token.id !== id) throw conflict(`admin token record ${token.id} filed under ${id}`);
    deepFreeze(token);
  }
  return {
    keys: draft.keys,
    buckets: draft.buckets,
    adminTokens: draft.adminTokens,
    usedKeyIds: draft.usedKeyIds,
    usedAdminTokenIds: draft.usedAdminTokenIds,
    globalAliases,
    localAliases,
  };
}

function conflict(message: string): StoreError {
  return new StoreError('Conflict', `metadata invariant violated: ${message}`);
}

function deepFreeze(value: unknown): void {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const v of Object.values(value)) deepFreeze(v);
}

// ---- parsing of stored records (a parsing boundary: values come back from msgpack) ----

type Fields = Record<string, unknown>;

function corrupt(dbKey: string, what: string): Error {
  return new Error(`corrupt metadata record ${dbKey}: ${what}`);
}

function fields(value: unknown, dbKey: string): Fields {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw corrupt(dbKey, 'not an object');
  return value as Fields;
}

function str(f: Fields, name: string, dbKey: string): string {
  const v = f[name];
  if (typeof v !== 'string') throw corrupt(dbKey, `${name} is not a string`);
  return v;
}

function num(f: Fields, name: string, dbKey: string): number {
  const v = f[name];
  if (typeof v !== 'number') throw corrupt(dbKey, `${name} is not a number`);
  return v;
}

function bool(f: Fields, name: string, dbKey: string): boolean {
  const v = f[name];
  if (typeof v !== 'boolean') throw corrupt(dbKey, `${name} is not a boolean`);
  return v;
}

function strings(v: unknown, name: string, dbKey: string): string[] {
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) throw corrupt(dbKey, `${name} is not a string list`);
  return v as string[];
}

function nullableNum(v: unknown, name: string, dbKey: string): number | null {
  if (v === null || v === undefined) return null;
  if (typeof v !== 'number') throw corrupt(dbKey, `${name} is not a number`);
  return v;
}

function parseAccessKey(value: unknown, dbKey: string): AccessKey {
  const f = fields(value, dbKey);
  return {
    id: str(f, 'id', dbKey),
    secret: str(f, 'secret', dbKey),
    name: str(f, 'name', dbKey),
    created: num(f, 'created', dbKey),
    allowCreateBucket: bool(f, 'allowCreateBucket', dbKey),
  };
}

function parseAdminToken(value: unknown, dbKey: string): AdminToken {
  const f = fields(value, dbKey);
  return {
    id: str(f, 'id', dbKey),
    tokenHash: str(f, 'tokenHash', dbKey),
    name: str(f, 'name', dbKey),
    created: num(f, 'created', dbKey),
    expiration: nullableNum(f.expiration, 'expiration', dbKey),
    scope: strings(f.scope, 'scope', dbKey),
  };
}

function parseBucket(value: unknown, dbKey: string): Bucket {
  const f = fields(value, dbKey);
  const localAliases = (Array.isArray(f.localAliases) ? f.localAliases : []).map((a: unknown) => {
    const la = fields(a, dbKey);
    return { accessKeyId: str(la, 'accessKeyId', dbKey), alias: str(la, 'alias', dbKey) };
  });
  const keys: Bucket['keys'] = {};
  for (const [keyId, p] of Object.entries(fields(f.keys, dbKey))) {
    const perm = fields(p, dbKey);
    keys[keyId] = { read: bool(perm, 'read', dbKey), write: bool(perm, 'write', dbKey), owner: bool(perm, 'owner', dbKey) };
  }
  const corsRules = (Array.isArray(f.corsRules) ? f.corsRules : []).map((r: unknown) => {
    const rule = fields(r, dbKey);
    const id = rule.id;
    return {
      id: typeof id === 'string' ? id : null,
      allowedOrigins: strings(rule.allowedOrigins, 'allowedOrigins', dbKey),
      allowedMethods: strings(rule.allowedMethods, 'allowedMethods', dbKey),
      allowedHeaders: strings(rule.allowedHeaders, 'allowedHeaders', dbKey),
      exposeHeaders: strings(rule.exposeHeaders, 'exposeHeaders', dbKey),
      maxAgeSeconds: nullableNum(rule.maxAgeSeconds, 'maxAgeSeconds', dbKey),
    };
  });
  const website = f.websiteConfig;
  let websiteConfig: Bucket['websiteConfig'] = null;
  if (website !== null && website !== undefined) {
    const w = fields(website, dbKey);
    const errorDocument = w.errorDocument;
    websiteConfig = {
      indexDocument: str(w, 'indexDocument', dbKey),
      errorDocument: typeof errorDocument === 'string' ? errorDocument : null,
    };
  }
  const quotas = fields(f.quotas ?? {}, dbKey);
  return {
    id: str(f, 'id', dbKey),
    created: num(f, 'created', dbKey),
    globalAliases: strings(f.globalAliases, 'globalAliases', dbKey),
    localAliases,
    keys,
    corsRules,
    websiteAccess: f.websiteAccess === true,
    websiteConfig,
    quotas: {
      maxSize: nullableNum(quotas.maxSize, 'maxSize', dbKey),
      maxObjects: nullableNum(quotas.maxObjects, 'maxObjects', dbKey),
    },
  };
}
