/**
 * The data the hostile requests aim at, and the valid requests they are derived from: one base
 * request per endpoint, with a few random variations. A base request is never sent as is: it is
 * the starting point of a mutation that must make it invalid.
 */
import assert from 'node:assert/strict';
import type { Rng } from './prng.js';
import { exchange, header } from './raw-http.js';
import { sign, type Creds } from './sign.js';
import type { HostileServer } from './server.js';

export const ENDPOINTS = [
  'ReadItem',
  'PollItem',
  'InsertItem',
  'DeleteItem',
  'ReadIndex',
  'InsertBatch',
  'ReadBatch',
  'DeleteBatch',
  'PollRange',
] as const;
export type EndpointName = (typeof ENDPOINTS)[number];

export const WRITES: ReadonlySet<EndpointName> = new Set(['InsertItem', 'DeleteItem', 'InsertBatch', 'DeleteBatch']);

/** Where the requests go and with which key. */
export interface Ctx {
  readonly hs: HostileServer;
  readonly creds: Creds;
  readonly bucket: string;
  /** Causality token of fx/a. */
  readonly token: string;
  /** A valid PollRange seen marker of partition fx. */
  readonly marker: string;
  /** Partitions written by the fixture, the tombstone-only one included (not indexed). */
  readonly pks: readonly string[];
}

export interface Base {
  readonly endpoint: EndpointName;
  readonly method: string;
  /** Percent-encoded partition key segment, if any. */
  readonly pk: string | undefined;
  /** Raw query pairs (already encoded); a `undefined` value is a bare keyword. */
  readonly query: readonly [string, string | undefined][];
  readonly headers: Readonly<Record<string, string>>;
  /** The JSON the body serialises (batches, PollRange). */
  readonly json: unknown;
  readonly body: Buffer | undefined;
}

export function targetOf(bucket: string, b: Pick<Base, 'pk' | 'query'>): string {
  const q = b.query.map(([k, v]) => (v === undefined ? k : `${k}=${v}`)).join('&');
  return `/${bucket}${b.pk === undefined ? '' : `/${b.pk}`}${q === '' ? '' : `?${q}`}`;
}

export const pathOfTarget = (target: string): string => target.split('?')[0] ?? target;

const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');

/** Writes the fixture through the API and returns its context. */
export async function setUpFixture(hs: HostileServer, creds: Creds, bucket: string): Promise<Ctx> {
  const call = async (method: string, target: string, body?: unknown) => {
    const req = sign(
      hs.host,
      { method, target, ...(body === undefined ? {} : { body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)) }) },
      { creds, region: hs.config.region },
    );
    const res = (await exchange(hs.k2v(), req)).responses[0];
    assert.ok(res !== undefined && res.status < 300, `fixture ${method} ${target}: ${res?.status} ${res?.body.toString()}`);
    return res;
  };
  await call('POST', `/${bucket}`, [
    { pk: 'fx', sk: 'a', v: b64('alpha') },
    { pk: 'fx', sk: 'b', v: b64('beta-1') },
    { pk: 'fx', sk: 'b', v: b64('beta-2') },
    { pk: 'fx', sk: 'c', v: null },
    { pk: 'fx', sk: 'd\u00e9j\u00e0', v: b64(Buffer.from([0, 255, 1])) },
    { pk: 'fy', sk: 'x', v: b64('') },
    { pk: 'only-tombstones', sk: 'z', v: null },
    { pk: '', sk: '', v: b64('empty keys') },
  ]);
  const read = await call('GET', `/${bucket}/fx?sort_key=a`);
  const token = header(read, 'x-garage-causality-token');
  assert.ok(token !== undefined);
  const poll = await call('POST', `/${bucket}/fx?poll_range`, {});
  const marker = (JSON.parse(poll.body.toString('utf8')) as { seenMarker: string }).seenMarker;
  return { hs, creds, bucket, token, marker, pks: ['fx', 'fy', 'only-tombstones', ''] };
}

const enc = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());

function jsonBase(endpoint: EndpointName, method: string, pk: string | undefined, query: Base['query'], json: unknown): Base {
  return { endpoint, method, pk, query, headers: {}, json, body: Buffer.from(JSON.stringify(json)) };
}

/** A random valid request of `endpoint`. */
export function baseRequest(rng: Rng, ctx: Ctx, endpoint: EndpointName): Base {
  const sk = rng.pick(['a', 'b', 'c', 'nope', 'd\u00e9j\u00e0']);
  const tokenHeader = (): Record<string, string> => (rng.bool() ? { 'x-garage-causality-token': ctx.token } : {});
  switch (endpoint) {
    case 'ReadItem':
      return {
        endpoint,
        method: 'GET',
        pk: 'fx',
        query: [['sort_key', enc(sk)]],
        headers: rng.bool() ? { accept: rng.pick(['application/json', 'application/octet-stream', '*/*']) } : {},
        json: undefined,
        body: undefined,
      };
    case 'PollItem':
      // The empty context is older than fx/a's: a valid poll answers at once.
      return {
        endpoint,
        method: 'GET',
        pk: 'fx',
        query: [['sort_key', 'a'], ['causality_token', 'AAAAAAAAAAA'], ['timeout', '1']],
        headers: {},
        json: undefined,
        body: undefined,
      };
    case 'InsertItem':
      return {
        endpoint,
        method: 'PUT',
        pk: rng.pick(['fx', 'fresh', 'caf%C3%A9']),
        query: [['sort_key', enc(sk)]],
        headers: tokenHeader(),
        json: undefined,
        body: rng.bytes(rng.int(64)),
      };
    case 'DeleteItem':
      return { endpoint, method: 'DELETE', pk: 'fx', query: [['sort_key', enc(sk)]], headers: tokenHeader(), json: undefined, body: undefined };
    case 'ReadIndex': {
      const query: [string, string][] = [];
      if (rng.bool()) query.push(['prefix', 'f']);
      if (rng.bool()) query.push(['limit', String(rng.int(10))]);
      if (rng.bool()) query.push(['reverse', rng.pick(['true', 'false'])]);
      return { endpoint, method: 'GET', pk: undefined, query, headers: {}, json: undefined, body: undefined };
    }
    case 'InsertBatch':
      return jsonBase(
        endpoint,
        'POST',
        undefined,
        [],
        [
          { pk: 'fx', sk: 'new', v: b64(rng.bytes(rng.int(20))) },
          { pk: 'fz', sk: sk, ct: ctx.token, v: null },
          { pk: 'fy', sk: 'x' },
        ].slice(0, rng.range(1, 3)),
      );
    case 'ReadBatch': {
      const json = [
        { partitionKey: 'fx' },
        { partitionKey: 'fx', singleItem: true, start: 'a', tombstones: true },
        { partitionKey: 'fy', prefix: 'x', limit: 5, reverse: false, conflictsOnly: false },
      ].slice(0, rng.range(1, 3));
      return rng.bool()
        ? jsonBase(endpoint, 'SEARCH', undefined, [], json)
        : jsonBase(endpoint, 'POST', undefined, [['search', undefined]], json);
    }
    case 'DeleteBatch':
      return jsonBase(
        endpoint,
        'POST',
        undefined,
        [['delete', undefined]],
        [
          { partitionKey: 'fx', start: 'a', end: 'c' },
          { partitionKey: 'fy', singleItem: true, start: 'x' },
        ].slice(0, rng.range(1, 2)),
      );
    case 'PollRange':
      return jsonBase(
        endpoint,
        rng.pick(['POST', 'SEARCH']),
        'fx',
        [['poll_range', undefined]],
        rng.pick([{}, { prefix: 'a' }, { start: 'a', end: 'z', timeout: 1 }]),
      );
  }
}

export type ShaMode = 'header' | 'none' | 'unsigned';

export interface SignOverrides {
  readonly creds?: Creds;
  readonly region?: string;
  readonly service?: string;
  readonly date?: Date;
  readonly sha?: ShaMode;
  readonly presign?: { readonly expires: number };
}

/** Signs a base (or a mutated copy of one) for the fixture's server. */
export function signBase(ctx: Ctx, b: Base, o: SignOverrides = {}) {
  return sign(
    ctx.hs.host,
    { method: b.method, target: targetOf(ctx.bucket, b), headers: { ...b.headers }, ...(b.body === undefined ? {} : { body: b.body }) },
    {
      creds: o.creds ?? ctx.creds,
      region: o.region ?? ctx.hs.config.region,
      ...(o.service === undefined ? {} : { service: o.service }),
      ...(o.date === undefined ? {} : { date: o.date }),
      contentSha256: o.sha ?? 'header',
      ...(o.presign === undefined ? {} : { presign: o.presign }),
    },
  );
}
