/**
 * Body and header mutations, signed over the mutated request so that the handler judges them:
 * broken JSON, wrong JSON types, rule violations, bad base64, bad causality tokens and seen
 * markers, keys and values over the limits, lone surrogates, bodies over the size limits.
 */
import { BAD, expectError, only, type Mutation } from './case.js';
import { badBase64, badMarker, badToken, isToken } from './codecs.js';
import { pathOfTarget, signBase, type Base, type Ctx, type EndpointName, type ShaMode } from './fixture.js';
import type { Rng } from './prng.js';
import { setHeader } from './sign.js';

type Kind = 'string' | 'reqString' | 'uint' | 'bool';
type Json = Record<string, unknown>;

/** The fields each JSON endpoint validates (contract sections 9 and 10). */
const SCHEMAS: Partial<Record<EndpointName, Record<string, Kind>>> = {
  InsertBatch: { pk: 'reqString', sk: 'reqString', ct: 'string', v: 'string' },
  ReadBatch: {
    partitionKey: 'reqString', prefix: 'string', start: 'string', end: 'string', limit: 'uint',
    reverse: 'bool', singleItem: 'bool', conflictsOnly: 'bool', tombstones: 'bool',
  },
  DeleteBatch: { partitionKey: 'reqString', prefix: 'string', start: 'string', end: 'string', singleItem: 'bool' },
  PollRange: { prefix: 'string', start: 'string', end: 'string', timeout: 'uint', seenMarker: 'string' },
};
const JSON_ENDPOINTS = only('InsertBatch', 'ReadBatch', 'DeleteBatch', 'PollRange');
const ARRAY_ENDPOINTS = only('InsertBatch', 'ReadBatch', 'DeleteBatch');

/** Placeholders replaced in the JSON text by what JSON.stringify cannot produce. */
const HUGE = '__hostile_huge__';
const LONE = '__hostile_lone__';

function send(rng: Rng, ctx: Ctx, base: Base, body: Buffer, expect = BAD) {
  const req = signBase(ctx, { ...base, body }, { sha: rng.pick<ShaMode>(['header', 'none', 'unsigned']) });
  return { req, expect, path: pathOfTarget(req.target) };
}

function text(value: unknown, rng: Rng): Buffer {
  const s = JSON.stringify(value)
    .replaceAll(`"${HUGE}"`, rng.pick(['1e400', '-1e400', '1e309']))
    .replaceAll(LONE, rng.pick(['\\ud800', '\\udfff', '\\ude00\\ud83d', 'a\\udbff']));
  return Buffer.from(s);
}

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

/** The object one mutation edits: a random element of a batch, or PollRange's object. */
function target(rng: Rng, base: Base): { root: unknown; obj: Json } {
  const root = clone(base.json);
  const obj = Array.isArray(root) ? (root[rng.int(root.length)] as Json) : (root as Json);
  return { root, obj };
}

function wrongValue(rng: Rng, kind: Kind): unknown {
  switch (kind) {
    case 'reqString':
      return rng.pick([1, 0, true, false, null, {}, [], ['x'], { s: 'x' }, -1.5, HUGE]);
    case 'string':
      return rng.pick([1, 0, true, false, {}, [], ['x'], { s: 'x' }, HUGE]);
    case 'uint':
      return rng.pick([-1, 1.5, '5', '', true, false, {}, [], [1], HUGE, 0.000001, -0.5, -2]);
    case 'bool':
      return rng.pick([null, 0, 1, 'true', 'false', '', [], {}, [true]]);
  }
}

export const BODY_MUTATIONS: Mutation[] = [
  {
    name: 'body: JSON syntax broken',
    weight: 4,
    applies: JSON_ENDPOINTS,
    make: (rng, ctx, base) => {
      const good = base.body!;
      let body: Buffer;
      switch (rng.int(7)) {
        case 0: // a proper prefix: an array or object closes only at its last byte
          body = good.subarray(0, rng.int(good.length));
          break;
        case 1: { // a control byte is invalid both inside and outside strings
          const at = rng.int(good.length + 1);
          const c = rng.pick([0x00, 0x01, 0x08, 0x0b, 0x0c, 0x0e, 0x1f]);
          body = Buffer.concat([good.subarray(0, at), Buffer.from([c]), good.subarray(at)]);
          break;
        }
        case 2: { // invalid UTF-8 anywhere
          const at = rng.int(good.length + 1);
          const bad = Buffer.from(rng.pick([[0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0x80], [0xe2, 0x82], [0xf8, 0x88, 0x80, 0x80, 0x80]]));
          body = Buffer.concat([good.subarray(0, at), bad, good.subarray(at)]);
          break;
        }
        case 3: // something after the value
          body = Buffer.concat([good, Buffer.from(rng.pick(['x', ']', '}', ',[]', '{}', ' 1', '"', '\u0000']))]);
          break;
        case 4: // not JSON at all, or JSON5-isms
          body = Buffer.from(rng.pick(["[{'pk':'a','sk':'b'}]", '[/*c*/]', '{/*c*/}', '[NaN]', '[Infinity]', '[,]', '{,}', '[{"pk":"a",}]', 'undefined', '\ufeff[]', '\ufeff{}']));
          break;
        case 5: { // deep nesting, unclosed
          const n = rng.range(1000, 200_000);
          body = Buffer.from((Array.isArray(base.json) ? '[' : '{"a":').repeat(1) + '['.repeat(n));
          break;
        }
        default: // an empty body
          body = Buffer.alloc(0);
      }
      return send(rng, ctx, base, body);
    },
  },
  {
    name: 'body: JSON of the wrong shape',
    weight: 3,
    applies: JSON_ENDPOINTS,
    make: (rng, ctx, base) => {
      const array = ARRAY_ENDPOINTS(base.endpoint);
      const n = rng.range(1, 100_000);
      const shape = rng.pick<unknown[]>(
        array
          ? [{}, { partitionKey: 'fx' }, 'x', 1, null, true, [1], ['x'], [null], [[]], [true], [{}, 2], JSON.parse('['.repeat(200) + ']'.repeat(200))]
          : [[], [{}], 'x', 1, null, true, false],
      );
      const body = rng.bool(0.1) ? Buffer.from('['.repeat(n) + ']'.repeat(n)) : text(shape, rng);
      return send(rng, ctx, base, body);
    },
  },
  {
    name: 'body: a field of the wrong type',
    weight: 6,
    applies: JSON_ENDPOINTS,
    make: (rng, ctx, base) => {
      const schema = SCHEMAS[base.endpoint]!;
      const { root, obj } = target(rng, base);
      const field = rng.pick(Object.keys(schema));
      const kind = schema[field]!;
      if (kind === 'reqString' && rng.bool(0.2)) delete obj[field];
      else obj[field] = wrongValue(rng, kind);
      return send(rng, ctx, base, text(root, rng));
    },
  },
  {
    name: 'body: a lone surrogate in a string',
    weight: 2,
    applies: JSON_ENDPOINTS,
    make: (rng, ctx, base) => {
      const schema = SCHEMAS[base.endpoint]!;
      const { root, obj } = target(rng, base);
      const field = rng.pick(Object.keys(schema).filter((f) => schema[f] === 'string' || schema[f] === 'reqString'));
      obj[field] = rng.pick(['', 'fx', 'a']) + LONE;
      return send(rng, ctx, base, text(root, rng));
    },
  },
  {
    name: 'body: batch query breaking the range rules',
    weight: 3,
    applies: only('ReadBatch', 'DeleteBatch', 'PollRange'),
    make: (rng, ctx, base) => {
      const { root, obj } = target(rng, base);
      const outside = () => {
        obj['prefix'] = rng.pick(['a', 'x', '\u00e9']);
        obj['start'] = rng.pick(['b', 'y', 'A', '\u00e8']);
        delete obj['singleItem'];
      };
      if (base.endpoint === 'PollRange' || rng.bool(0.3)) {
        outside();
      } else {
        obj['singleItem'] = true;
        obj['start'] = 'a';
        delete obj['prefix'];
        delete obj['end'];
        delete obj['limit'];
        delete obj['reverse'];
        const rules = base.endpoint === 'ReadBatch'
          ? [() => delete obj['start'], () => (obj['prefix'] = 'a'), () => (obj['end'] = 'z'), () => (obj['limit'] = rng.int(10)), () => (obj['reverse'] = true)]
          : [() => delete obj['start'], () => (obj['prefix'] = 'a'), () => (obj['end'] = 'z')];
        rng.pick(rules)();
      }
      return send(rng, ctx, base, text(root, rng));
    },
  },
  {
    name: 'body: InsertBatch value not canonical base64',
    weight: 4,
    applies: only('InsertBatch'),
    make: (rng, ctx, base) => {
      const { root, obj } = target(rng, base);
      obj['v'] = badBase64(rng, Buffer.from(rng.bytes(rng.int(12))).toString('base64'));
      return send(rng, ctx, base, text(root, rng));
    },
  },
  {
    name: 'body: InsertBatch causality token invalid',
    weight: 4,
    applies: only('InsertBatch'),
    make: (rng, ctx, base) => {
      const { root, obj } = target(rng, base);
      obj['ct'] = badToken(rng, ctx.token);
      return send(rng, ctx, base, text(root, rng), expectError(400, 'CausalityToken'));
    },
  },
  {
    name: 'body: key over the length limit',
    weight: 2,
    applies: only('InsertBatch', 'ReadBatch', 'DeleteBatch'),
    make: (rng, ctx, base) => {
      const limits = ctx.hs.config.limits;
      const { root, obj } = target(rng, base);
      const field = base.endpoint === 'InsertBatch' ? rng.pick(['pk', 'sk']) : 'partitionKey';
      const limit = field === 'sk' ? limits.maxSortKeyBytes : limits.maxPartitionKeyBytes;
      const unit = rng.pick(['k', '\u00e9', '\u{1F600}']);
      obj[field] = unit.repeat(Math.floor(limit / Buffer.byteLength(unit)) + rng.range(1, 3000));
      return send(rng, ctx, base, text(root, rng));
    },
  },
  {
    name: 'body: more entries than maxBatchEntries',
    weight: 0.05,
    applies: only('InsertBatch', 'ReadBatch', 'DeleteBatch'),
    make: (rng, ctx, base) => {
      const one = (base.json as unknown[])[0];
      const n = ctx.hs.config.limits.maxBatchEntries + rng.range(1, 50);
      return send(rng, ctx, base, Buffer.from(JSON.stringify(Array.from({ length: n }, () => one))));
    },
  },
  {
    name: 'body: InsertBatch value over maxValueBytes',
    weight: 0.05,
    applies: only('InsertBatch'),
    make: (rng, ctx, base) => {
      const { root, obj } = target(rng, base);
      obj['v'] = Buffer.alloc(ctx.hs.config.limits.maxValueBytes + rng.range(1, 3000), 7).toString('base64');
      return send(rng, ctx, base, text(root, rng));
    },
  },
  {
    name: 'body: PollRange seen marker invalid',
    weight: 4,
    applies: only('PollRange'),
    make: (rng, ctx, base) => {
      const obj = clone(base.json) as Json;
      const max = ctx.hs.config.limits.maxSeenMarkerChars;
      obj['seenMarker'] = rng.bool(0.05) ? 'A'.repeat(max + rng.range(1, 4)) : badMarker(rng, ctx.marker);
      obj['timeout'] = 1;
      return send(rng, ctx, base, text(obj, rng));
    },
  },
  {
    name: 'body: declared length over the body limit',
    weight: 1,
    applies: only('InsertItem', 'InsertBatch', 'ReadBatch', 'DeleteBatch', 'PollRange'),
    make: (rng, ctx, base) => {
      const limits = ctx.hs.config.limits;
      const limit = base.endpoint === 'InsertItem' ? limits.maxValueBytes : limits.maxBatchBodyBytes;
      const req = signBase(ctx, base, { sha: rng.pick<ShaMode>(['header', 'unsigned', 'none']) });
      // Only the headers are sent: the server must refuse before reading (and close).
      const declared = setHeader(req, 'content-length', String(limit + rng.pick([1, 2, 1000, limit])));
      return { req: { ...declared, body: Buffer.alloc(0) }, expect: expectError(413, 'PayloadTooLarge'), path: pathOfTarget(req.target) };
    },
  },
  {
    name: 'body: InsertItem value over maxValueBytes, sent whole',
    weight: 0.05,
    applies: only('InsertItem'),
    make: (rng, ctx, base) =>
      send(rng, ctx, base, Buffer.alloc(ctx.hs.config.limits.maxValueBytes + rng.range(1, 5000), 1), expectError(413, 'PayloadTooLarge')),
  },
  {
    name: 'header: X-Garage-Causality-Token invalid',
    weight: 4,
    applies: only('InsertItem', 'DeleteItem'),
    make: (rng, ctx, base) => {
      let token: string;
      // node trims header values, and so does the server; non-ASCII is another mutation
      do token = badToken(rng, ctx.token).replace(/[^\x21-\x7e]/g, '.');
      while (isToken(token));
      const req = signBase(ctx, { ...base, headers: { ...base.headers, 'x-garage-causality-token': token } });
      return { req, expect: expectError(400, 'CausalityToken'), path: pathOfTarget(req.target) };
    },
  },
  {
    name: 'header: value that is not visible ASCII',
    weight: 2,
    applies: only('InsertItem', 'DeleteItem', 'ReadItem', 'PollItem'),
    make: (rng, ctx, base) => {
      const name = base.endpoint === 'InsertItem' || base.endpoint === 'DeleteItem' ? 'x-garage-causality-token' : 'accept';
      const good = name === 'accept' ? 'application/json' : ctx.token;
      const at = rng.int(good.length + 1);
      const value = good.slice(0, at) + String.fromCharCode(rng.range(0x80, 0xff)) + good.slice(at);
      // Added after signing (not an x-amz-* header): node hands the bytes over as latin1.
      const headers = Object.fromEntries(Object.entries(base.headers).filter(([k]) => k !== name));
      const req = setHeader(signBase(ctx, { ...base, headers }), name, value);
      return { req, expect: expectError(400, 'InvalidHeaderValue'), path: pathOfTarget(req.target) };
    },
  },
  {
    name: 'header: Accept allows no format the server sends',
    weight: 1,
    applies: only('ReadItem', 'PollItem'),
    make: (rng, ctx, base) => {
      const accept = rng.pick(['text/html', 'image/png, text/*', 'application/xml', 'application/json;q=0', 'application/json;q=0, application/octet-stream;q=0']);
      const req = signBase(ctx, { ...base, headers: { ...base.headers, accept } });
      return { req, expect: expectError(406, 'NotAcceptable'), path: pathOfTarget(req.target) };
    },
  },
];
