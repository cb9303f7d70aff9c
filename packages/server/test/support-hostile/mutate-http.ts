/**
 * Protocol-level mutations sent over a raw socket: methods, request lines, header bytes, framing
 * (Content-Length, chunked), header and query sizes, truncated bodies, pipelined garbage. Node's
 * parser refuses most of them before any handler runs; the rest are refused by the router or the
 * signature check.
 */
import { all, BAD, expectError, type Mutation } from './case.js';
import type { Expect } from './contract.js';
import { pathOfTarget, signBase, type Base, type Ctx, type ShaMode } from './fixture.js';
import type { Rng } from './prng.js';
import { serialize, type RawRequest } from './raw-http.js';
import { getHeader, removeHeader, setHeader } from './sign.js';

/** Methods llhttp parses that the K2V router does not route (OPTIONS is CORS, routed). */
const UNROUTED_METHODS = [
  'HEAD', 'PATCH', 'TRACE', 'CONNECT', 'PROPFIND', 'PROPPATCH', 'MKCOL', 'COPY', 'MOVE', 'LOCK', 'UNLOCK', 'PURGE',
  'REPORT', 'MKACTIVITY', 'CHECKOUT', 'MERGE', 'M-SEARCH', 'NOTIFY', 'SUBSCRIBE', 'UNSUBSCRIBE', 'LINK', 'UNLINK',
  'ACL', 'BIND', 'REBIND', 'UNBIND', 'MKCALENDAR', 'QUERY', 'SOURCE',
];
const ROUTED = new Set(['GET', 'PUT', 'POST', 'DELETE', 'SEARCH', 'OPTIONS']);

const signed = (rng: Rng, ctx: Ctx, base: Base, sha?: ShaMode) =>
  signBase(ctx, base, { sha: sha ?? rng.pick<ShaMode>(['header', 'none', 'unsigned']) });

const raw = (bytes: Buffer, ending: RawRequest['ending'] = 'wait'): RawRequest => ({ method: '', target: '', headers: [], raw: bytes, ending });

/** The serialised request with `bytes` inserted somewhere in its request target. */
function insertIntoTarget(rng: Rng, req: RawRequest, bytes: Buffer): Buffer {
  const text = serialize({ ...req, body: Buffer.alloc(0) });
  const from = req.method.length + 2;
  const to = text.indexOf('\r\n') - ' HTTP/1.1'.length;
  const at = rng.range(from, Math.max(from, to - 1));
  return Buffer.concat([text.subarray(0, at), bytes, text.subarray(at), req.body ?? Buffer.alloc(0)]);
}

/** node's parser refuses these: 400 InvalidRequest, written by src/http/client-error.ts. */
const PARSER_BAD: Expect = BAD;

export const HTTP_MUTATIONS: Mutation[] = [
  {
    name: 'http: method the router does not know',
    weight: 3,
    applies: all,
    make: (rng, ctx, base) => {
      const req = { ...signed(rng, ctx, base), method: rng.pick(UNROUTED_METHODS) };
      return { req, expect: BAD, path: pathOfTarget(req.target) };
    },
  },
  {
    name: 'http: invalid method token',
    weight: 2,
    applies: all,
    make: (rng, ctx, base) => {
      let method: string;
      do {
        method = rng.bool(0.3) ? base.method.toLowerCase() : rng.string('ABCDEFGHIJKLMNOPQRSTUVWXYZabcxyz-_!#$.', rng.range(1, 24));
      } while (ROUTED.has(method) || UNROUTED_METHODS.includes(method) || method === 'PRI');
      return { req: { ...signed(rng, ctx, base), method }, expect: PARSER_BAD, path: undefined };
    },
  },
  {
    name: 'http: bad HTTP version',
    weight: 1,
    applies: all,
    make: (rng, ctx, base) => {
      const version = rng.pick(['HTTP/1.2', 'HTTP/3.0', 'HTTP/1.10', 'http/1.1', 'HTTP/1', 'HTTP/11', 'HTTP/1.1 x', 'HTTPS/1.1', 'HTTP/9.9']);
      return { req: { ...signed(rng, ctx, base), version }, expect: PARSER_BAD, path: undefined };
    },
  },
  {
    name: 'http: control or non-ASCII byte in the request target',
    weight: 2,
    applies: all,
    make: (rng, ctx, base) => {
      const b = rng.pick([0x00, 0x01, 0x07, 0x09, 0x0b, 0x0c, 0x1f, 0x20, 0x7f, 0x80, 0xc3, 0xe9, 0xff, 0x0a, 0x0d]);
      return { req: raw(insertIntoTarget(rng, signed(rng, ctx, base), Buffer.from([b]))), expect: PARSER_BAD, path: undefined };
    },
  },
  {
    name: 'http: malformed header line',
    weight: 2,
    applies: all,
    make: (rng, ctx, base) => {
      const line = rng.pick([
        'x-a: b\x00c\r\n', 'x-a: b\rc\r\n', 'x-a: b\x7fc\r\n', 'x-a : b\r\n', 'x(y: z\r\n', '\u00e9: x\r\n', ': b\r\n',
        'no-colon\r\n', ' folded: x\r\n', 'x-a: b\r\n  continued\r\n', 'x\x01y: z\r\n', 'x-a: b\x10\r\n',
      ]);
      const req = signed(rng, ctx, base);
      const text = serialize({ ...req, body: Buffer.alloc(0) });
      const at = text.indexOf('\r\n') + 2;
      const bytes = Buffer.concat([text.subarray(0, at), Buffer.from(line, 'latin1'), text.subarray(at), req.body ?? Buffer.alloc(0)]);
      return { req: raw(bytes), expect: PARSER_BAD, path: undefined };
    },
  },
  {
    name: 'http: invalid or contradictory Content-Length',
    weight: 2,
    applies: all,
    make: (rng, ctx, base) => {
      const req = signed(rng, ctx, base);
      const len = (req.body ?? Buffer.alloc(0)).length;
      const headers = req.headers.filter(([k]) => k !== 'content-length');
      const bad = rng.pick<[string, string][]>([
        [['content-length', rng.pick(['abc', '-1', '+5', '0x5', '5,5', '', '5.0', '1e3', '99999999999999999999999'])]],
        [['content-length', String(len)], ['content-length', String(len + 1)]],
        [['content-length', String(len)], ['content-length', String(len)]],
        [['content-length', String(len)], ['transfer-encoding', 'chunked']],
      ]);
      return { req: { ...req, headers: [...headers.slice(0, -1), ...bad, headers.at(-1)!] }, expect: PARSER_BAD, path: undefined };
    },
  },
  {
    name: 'http: invalid Transfer-Encoding or chunk framing',
    weight: 2,
    applies: all,
    make: (rng, ctx, base) => {
      const req = removeHeader(signed(rng, ctx, base), 'content-length');
      const body = req.body ?? Buffer.alloc(0);
      const hex = body.length.toString(16);
      const framed = rng.pick<[string, string]>([
        ['identity', `${hex}\r\n`],
        ['chunked;x', `${hex}\r\n`],
        ['xchunked', `${hex}\r\n`],
        ['chunked, gzip', `${hex}\r\n`],
        ['chunked', 'zz\r\n'],
        ['chunked', 'fffffffffffffffffff\r\n'],
        ['chunked', `${hex} \r\n`],
        ['chunked', `-${hex}\r\n`],
      ]);
      const bytes = Buffer.concat([
        serialize({ ...setHeader(req, 'transfer-encoding', framed[0]), body: Buffer.alloc(0) }),
        Buffer.from(framed[1], 'latin1'),
        body,
        Buffer.from('\r\n0\r\n\r\n'),
      ]);
      return { req: raw(bytes), expect: PARSER_BAD, path: undefined };
    },
  },
  {
    name: 'http: headers over maxHeaderSize',
    weight: 1,
    applies: all,
    make: (rng, ctx, base) => {
      // node counts the bytes of names and values (not separators), and drops headers beyond
      // the 2000th: many headers of 40 counted bytes each stay under that count.
      const size = rng.range(17 * 1024, 64 * 1024);
      const req = signed(rng, ctx, base);
      const pads = Array.from({ length: Math.ceil(size / 40) }, (_, i): [string, string] => [`x-pad-${i}`, 'p'.repeat(34 - String(i).length)]);
      const big = rng.bool() ? setHeader(req, 'x-pad', 'p'.repeat(size)) : { ...req, headers: [...pads, ...req.headers] };
      return { req: big, expect: expectError(431, 'InvalidRequest'), path: undefined };
    },
  },
  {
    name: 'http: query string over maxHeaderSize',
    weight: 1,
    applies: all,
    make: (rng, ctx, base) => {
      const req = signed(rng, ctx, base);
      const pad = `zz=${'q'.repeat(rng.range(17 * 1024, 40 * 1024))}`;
      return { req: { ...req, target: req.target + (req.target.includes('?') ? '&' : '?') + pad }, expect: expectError(431, 'InvalidRequest'), path: undefined };
    },
  },
  {
    name: 'http: thousands of query fields, one repeated',
    weight: 1,
    applies: all,
    make: (rng, ctx, base) => {
      const n = rng.range(100, 1200);
      const fields = Array.from({ length: n }, (_, i) => `f${i}=${i}`);
      fields.push(`F${rng.int(n)}=again`);
      const b: Base = { ...base, query: [...base.query, ...fields.map((f): [string, string] => f.split('=') as [string, string])] };
      const req = signed(rng, ctx, b);
      return { req, expect: BAD, path: pathOfTarget(req.target) };
    },
  },
  {
    name: 'http: body cut short, then end of stream',
    weight: 2,
    applies: all,
    make: (rng, ctx, base) => {
      const withBody: Base = base.body === undefined || base.body.length === 0 ? { ...base, body: rng.bytes(rng.range(2, 40)) } : base;
      const req = signed(rng, ctx, withBody);
      const body = req.body!;
      const cut = { ...req, body: body.subarray(0, rng.int(body.length)), ending: 'half-close' as const };
      return { req: cut, expect: { statuses: [400], codes: ['InvalidRequest'], mayNotAnswer: true }, path: pathOfTarget(req.target) };
    },
  },
  {
    name: 'http: chunked body cut short, then end of stream',
    weight: 1,
    applies: all,
    make: (rng, ctx, base) => {
      const req = setHeader(removeHeader(signed(rng, ctx, base, 'unsigned'), 'content-length'), 'transfer-encoding', 'chunked');
      const body = Buffer.concat([Buffer.from('a\r\n0123456789\r\n'), Buffer.from(rng.pick(['5\r\nab', '', '1', 'f\r\n']))]);
      return {
        req: { ...req, body, ending: 'half-close' },
        expect: { statuses: [400], codes: ['InvalidRequest'], mayNotAnswer: true },
        path: pathOfTarget(req.target),
      };
    },
  },
  {
    name: 'http: pipelined garbage after a refused request',
    weight: 1,
    applies: all,
    make: (rng, ctx, base) => {
      const first = removeHeader(removeHeader(signed(rng, ctx, base), 'authorization'), 'connection');
      const garbage = `@${rng.string('ABCDEFGHIJ @/?&=:;', rng.range(0, 40))}\r\n\r\n`;
      // The refused request is answered; the garbage after it is never answered in its place.
      // (If TCP splits the write, the garbage may be parsed after the first answer: then it gets its own 400.)
      const expect: Expect = { statuses: [400, 403], codes: ['AccessDenied', 'InvalidRequest'], responses: 2, firstStatus: 403 };
      return { req: raw(Buffer.concat([serialize(first), Buffer.from(garbage)])), expect, path: undefined };
    },
  },
  {
    name: 'http: Host header missing or repeated',
    weight: 1,
    applies: all,
    make: (rng, ctx, base) => {
      const req = signed(rng, ctx, base);
      const host = getHeader(req, 'host')!;
      const out = rng.bool() ? removeHeader(req, 'host') : { ...req, headers: [['host', `${host}0`] as [string, string], ...req.headers] };
      // Host is signed: without it (or with another first value) the signature fails.
      return { req: out, expect: { statuses: [400, 403], codes: ['InvalidRequest', 'AccessDenied'] }, path: pathOfTarget(req.target) };
    },
  },
];
