/**
 * The `k2v dump` format, version 2: NDJSON, one record per line, UTF-8.
 *
 *   {"format":"k2v-dump","version":2,"scope":"store"|"bucket","bucket":ID?,"createdAt":ISO,"nodeId":HEX}
 *   {"type":"key","id":…,"secret":…,"name":…,"created":MS,"allowCreateBucket":BOOL}     (scope store)
 *   {"type":"bucket", …the bucket record of store/metadata.ts…}                          (scope store)
 *   {"type":"adminToken","id":HEX24,"tokenHash":"sha256:…","name":…,"created":MS,"expiration":MS|null,"scope":[…]}  (scope store)
 *   {"type":"item","bucket":ID,"pk":…,"sk":…,"state":[{"node":HEX16,"discard":DEC,"values":[{"t":DEC,"v":B64|null}]}]}
 *   {"type":"end","keys":N,"buckets":N,"adminTokens":N,"items":N}
 *
 * Version 2 added the admin token lines (the stored digest of the bearer token, never a secret)
 * and their count; version 1 (no admin tokens) is still read, and refuses admin token lines.
 *
 * An item line is the item's whole DVVS state (k2v/dvvs.ts): every concurrent value with its
 * dot, and each node's discard watermark, so that a restore can merge it by causality. u64s
 * (node ids, timestamps) are strings, as JSON numbers lose precision past 2^53. The end line
 * tells a complete dump from a truncated one. A reader refuses a version it does not know.
 */
import { Buffer } from 'node:buffer';
import type { DotValue, DvvsItem, NodeEntry } from '../k2v/dvvs.js';
import type { StoredItem } from '../store/item-codec.js';
import type { AccessKey, AdminToken, Bucket, BucketPermission, CorsRule, LocalAlias } from '../store/metadata.js';

export const DUMP_FORMAT = 'k2v-dump';
export const DUMP_VERSION = 2;
/** The versions a restore reads. */
export const READABLE_DUMP_VERSIONS: readonly number[] = [1, 2];

export interface DumpHeader {
  readonly format: typeof DUMP_FORMAT;
  readonly version: number;
  readonly scope: 'store' | 'bucket';
  readonly bucket?: string;
  readonly createdAt: string;
  readonly nodeId: string;
}

export type DumpRecord =
  | { readonly type: 'key'; readonly key: AccessKey }
  | { readonly type: 'bucket'; readonly bucket: Bucket }
  | { readonly type: 'adminToken'; readonly token: AdminToken }
  | { readonly type: 'item'; readonly bucketId: string; readonly item: StoredItem }
  | ({ readonly type: 'end' } & Readonly<EndCounts>);

/** Thrown by the parsers; the restore handler adds the line number. */
export class DumpLineError extends Error {
  override readonly name = 'DumpLineError';
}

/** The end line's field counting each type of record line. */
export const END_COUNT_FIELDS = { key: 'keys', bucket: 'buckets', adminToken: 'adminTokens', item: 'items' } as const;
export type EndCounts = { -readonly [T in keyof typeof END_COUNT_FIELDS as (typeof END_COUNT_FIELDS)[T]]: number };

/** Why an end line is refused: its counts are not those of the dump's lines. */
export function endMismatch(end: EndCounts, held: EndCounts): string | undefined {
  const f = ['keys', 'buckets', 'adminTokens', 'items'] as const;
  if (f.every((k) => end[k] === held[k])) return undefined;
  return `the end line counts ${end.keys} keys, ${end.buckets} buckets, ${end.adminTokens} admin tokens and ${end.items} items; the dump holds ${f.map((k) => held[k]).join(', ').replace(/, (\d+)$/, ' and $1')}`;
}

export function headerLine(h: DumpHeader): string {
  return JSON.stringify(h) + '\n';
}

export function keyLine(k: AccessKey): string {
  return JSON.stringify({ type: 'key', ...k }) + '\n';
}

export function bucketLine(b: Bucket): string {
  return JSON.stringify({ type: 'bucket', ...b }) + '\n';
}

export function adminTokenLine(t: AdminToken): string {
  return JSON.stringify({ type: 'adminToken', ...t }) + '\n';
}

export function endLine(counts: EndCounts): string {
  return JSON.stringify({ type: 'end', ...counts }) + '\n';
}

export function itemLine(bucketId: string, s: StoredItem): string {
  const state = s.item.entries.map((e) => ({
    node: e.node.toString(16).padStart(16, '0'),
    discard: e.discard.toString(),
    values: e.values.map((d) => ({ t: d.t.toString(), v: d.v === null ? null : Buffer.from(d.v.buffer, d.v.byteOffset, d.v.byteLength).toString('base64') })),
  }));
  return JSON.stringify({ type: 'item', bucket: bucketId, pk: s.pk, sk: s.sk, state }) + '\n';
}

type Obj = Record<string, unknown>;

function parseObject(line: string): Obj {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    throw new DumpLineError('not a JSON document');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new DumpLineError('not a JSON object');
  return v as Obj;
}

function str(o: Obj, f: string): string {
  const v = o[f];
  if (typeof v !== 'string') throw new DumpLineError(`field ${f}: expected a string`);
  return v;
}

function bool(o: Obj, f: string): boolean {
  const v = o[f];
  if (typeof v !== 'boolean') throw new DumpLineError(`field ${f}: expected a boolean`);
  return v;
}

function num(o: Obj, f: string): number {
  const v = o[f];
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new DumpLineError(`field ${f}: expected a non-negative integer`);
  return v;
}

function arr(o: Obj, f: string): unknown[] {
  const v = o[f];
  if (!Array.isArray(v)) throw new DumpLineError(`field ${f}: expected an array`);
  return v;
}

function obj(v: unknown, f: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new DumpLineError(`field ${f}: expected an object`);
  return v as Obj;
}

function strings(o: Obj, f: string): string[] {
  return arr(o, f).map((x) => {
    if (typeof x !== 'string') throw new DumpLineError(`field ${f}: expected strings`);
    return x;
  });
}

const U64_MAX = (1n << 64n) - 1n;
const HEX64 = /^[0-9a-f]{64}$/;
const HEX16 = /^[0-9a-f]{16}$/;
const DEC = /^(0|[1-9][0-9]{0,19})$/;
const B64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function u64(s: unknown, f: string): bigint {
  if (typeof s !== 'string' || !DEC.test(s)) throw new DumpLineError(`field ${f}: expected a decimal u64 as a string`);
  const v = BigInt(s);
  if (v > U64_MAX) throw new DumpLineError(`field ${f}: beyond the u64 range`);
  return v;
}

export function parseHeader(line: string): DumpHeader {
  const o = parseObject(line);
  if (o.format !== DUMP_FORMAT) throw new DumpLineError(`not a k2v dump (the first line must have "format":"${DUMP_FORMAT}")`);
  const version = o.version;
  if (typeof version !== 'number' || !READABLE_DUMP_VERSIONS.includes(version)) {
    throw new DumpLineError(`dump format version ${String(version)} is not supported (this server reads versions ${READABLE_DUMP_VERSIONS.join(' and ')})`);
  }
  const scope = o.scope;
  if (scope !== 'store' && scope !== 'bucket') throw new DumpLineError('field scope: expected "store" or "bucket"');
  const bucket = scope === 'bucket' ? str(o, 'bucket') : undefined;
  if (bucket !== undefined && !HEX64.test(bucket)) throw new DumpLineError('field bucket: expected a bucket id');
  return { format: DUMP_FORMAT, version, scope, ...(bucket === undefined ? {} : { bucket }), createdAt: str(o, 'createdAt'), nodeId: str(o, 'nodeId') };
}

/** A line after the header of a dump of `version`. */
export function parseRecord(line: string, version: number = DUMP_VERSION): DumpRecord {
  const o = parseObject(line);
  switch (o.type) {
    case 'adminToken':
      if (version < 2) throw new DumpLineError('admin token lines appear in dump format version 2 and later (this dump is version 1)');
      return { type: 'adminToken', token: parseAdminToken(o) };
    case 'item':
      return parseItem(o);
    case 'key':
      return {
        type: 'key',
        key: { id: str(o, 'id'), secret: str(o, 'secret'), name: str(o, 'name'), created: num(o, 'created'), allowCreateBucket: bool(o, 'allowCreateBucket') },
      };
    case 'bucket':
      return { type: 'bucket', bucket: parseBucket(o) };
    case 'end':
      // Version 1 had no admin tokens; a part's end line (k2v restore) may count 0 of them.
      return { type: 'end', keys: num(o, 'keys'), buckets: num(o, 'buckets'), adminTokens: o.adminTokens === undefined && version < 2 ? 0 : num(o, 'adminTokens'), items: num(o, 'items') };
    default:
      throw new DumpLineError(`field type: expected "item", "key", "bucket", ${version >= 2 ? '"adminToken", ' : ''}or "end"`);
  }
}

function parseItem(o: Obj): DumpRecord {
  const bucketId = str(o, 'bucket');
  if (!HEX64.test(bucketId)) throw new DumpLineError('field bucket: expected a bucket id');
  const pk = str(o, 'pk');
  const sk = str(o, 'sk');
  const entries: NodeEntry[] = arr(o, 'state').map((x) => {
    const e = obj(x, 'state[]');
    const nodeHex = str(e, 'node');
    if (!HEX16.test(nodeHex)) throw new DumpLineError('field node: expected 16 hex digits');
    const discard = u64(e.discard, 'discard');
    let prev = discard;
    const values: DotValue[] = arr(e, 'values').map((y) => {
      const d = obj(y, 'values[]');
      const t = u64(d.t, 't');
      if (t <= prev) throw new DumpLineError('field t: the timestamps of a node must grow and be after its discard');
      prev = t;
      const v = d.v;
      if (v === null) return { t, v: null };
      if (typeof v !== 'string' || !B64.test(v)) throw new DumpLineError('field v: expected base64 or null');
      return { t, v: new Uint8Array(Buffer.from(v, 'base64')) };
    });
    return { node: BigInt(`0x${nodeHex}`), discard, values };
  });
  for (let i = 1; i < entries.length; i++) {
    if (entries[i]!.node <= entries[i - 1]!.node) throw new DumpLineError('field state: node ids must be distinct and ascending');
  }
  const item: DvvsItem = { entries };
  return { type: 'item', bucketId, item: { pk, sk, item } };
}

const TOKEN_ID = /^[0-9a-f]{24}$/;
const TOKEN_HASH = /^sha256:[0-9a-f]{64}$/;

function parseAdminToken(o: Obj): AdminToken {
  const id = str(o, 'id');
  if (!TOKEN_ID.test(id)) throw new DumpLineError('field id: expected an admin token id (24 hex digits)');
  const tokenHash = str(o, 'tokenHash');
  if (!TOKEN_HASH.test(tokenHash)) throw new DumpLineError('field tokenHash: expected "sha256:" and 64 hex digits (a dump holds no token secret)');
  const expiration = o.expiration;
  if (expiration !== null && (typeof expiration !== 'number' || !Number.isSafeInteger(expiration) || expiration < 0)) {
    throw new DumpLineError('field expiration: expected a time in ms or null');
  }
  return { id, tokenHash, name: str(o, 'name'), created: num(o, 'created'), expiration, scope: strings(o, 'scope') };
}

function parseBucket(o: Obj): Bucket {
  const id = str(o, 'id');
  if (!HEX64.test(id)) throw new DumpLineError('field id: expected a bucket id');
  const localAliases: LocalAlias[] = arr(o, 'localAliases').map((x) => {
    const a = obj(x, 'localAliases[]');
    return { accessKeyId: str(a, 'accessKeyId'), alias: str(a, 'alias') };
  });
  const keys: Record<string, BucketPermission> = {};
  for (const [k, v] of Object.entries(obj(o.keys, 'keys'))) {
    const p = obj(v, `keys.${k}`);
    keys[k] = { read: bool(p, 'read'), write: bool(p, 'write'), owner: bool(p, 'owner') };
  }
  const corsRules: CorsRule[] = arr(o, 'corsRules').map((x) => {
    const r = obj(x, 'corsRules[]');
    const maxAge = r.maxAgeSeconds;
    if (maxAge !== undefined && maxAge !== null && (typeof maxAge !== 'number' || !Number.isSafeInteger(maxAge))) {
      throw new DumpLineError('field maxAgeSeconds: expected an integer or null');
    }
    const ruleId = r.id;
    if (ruleId !== undefined && ruleId !== null && typeof ruleId !== 'string') throw new DumpLineError('field id: expected a string or null');
    return {
      ...(ruleId === undefined ? {} : { id: ruleId }),
      allowedOrigins: strings(r, 'allowedOrigins'),
      allowedMethods: strings(r, 'allowedMethods'),
      allowedHeaders: strings(r, 'allowedHeaders'),
      exposeHeaders: strings(r, 'exposeHeaders'),
      ...(maxAge === undefined ? {} : { maxAgeSeconds: maxAge }),
    };
  });
  const wc = o.websiteConfig;
  let websiteConfig: Bucket['websiteConfig'] = null;
  if (wc !== null && wc !== undefined) {
    const w = obj(wc, 'websiteConfig');
    const err = w.errorDocument;
    if (err !== null && typeof err !== 'string') throw new DumpLineError('field errorDocument: expected a string or null');
    websiteConfig = { indexDocument: str(w, 'indexDocument'), errorDocument: err };
  }
  const q = obj(o.quotas, 'quotas');
  const quota = (f: string): number | null => {
    const v = q[f];
    if (v === null || v === undefined) return null;
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new DumpLineError(`field ${f}: expected an integer or null`);
    return v;
  };
  return {
    id,
    created: num(o, 'created'),
    globalAliases: strings(o, 'globalAliases'),
    localAliases,
    keys,
    corsRules,
    websiteAccess: bool(o, 'websiteAccess'),
    websiteConfig,
    quotas: { maxSize: quota('maxSize'), maxObjects: quota('maxObjects') },
  };
}
