/**
 * Signature mutations (contract section 4): a request signed by aws4, then one part of what was
 * signed, or of the signature itself, changed. Each is refused before the request has any effect.
 */
import { all, BAD, DENIED, expectError, only, type Mutation } from './case.js';
import { pathOfTarget, signBase, type Base, type Ctx, type ShaMode } from './fixture.js';
import type { Rng } from './prng.js';
import type { RawRequest } from './raw-http.js';
import { amzDate, getHeader, removeHeader, setHeader, withBody } from './sign.js';

const HEX = '0123456789abcdef';
const AHM = expectError(400, 'AuthorizationHeaderMalformed');

function signed(rng: Rng, ctx: Ctx, base: Base, sha?: ShaMode): RawRequest {
  return signBase(ctx, base, { sha: sha ?? rng.pick<ShaMode>(['header', 'header', 'none', 'unsigned']) });
}

function editAuth(req: RawRequest, edit: (auth: string) => string): RawRequest {
  return setHeader(req, 'authorization', edit(getHeader(req, 'authorization') ?? ''));
}

const result = (req: RawRequest, expect = DENIED) => ({ req, expect, path: pathOfTarget(req.target) });

function changeOneChar(rng: Rng, s: string, alphabet: string): string {
  const i = rng.int(s.length);
  const c = alphabet[(alphabet.indexOf(s[i]!) + rng.range(1, alphabet.length - 1)) % alphabet.length]!;
  return s.slice(0, i) + c + s.slice(i + 1);
}

/** Alternative methods that route the same target to another endpoint (the signature then fails). */
const OTHER_METHODS: Partial<Record<string, Record<string, string[]>>> = {
  ReadItem: { GET: ['PUT', 'DELETE'] },
  PollItem: { GET: ['PUT', 'DELETE'] },
  InsertItem: { PUT: ['GET', 'DELETE'] },
  DeleteItem: { DELETE: ['GET', 'PUT'] },
  ReadIndex: { GET: ['SEARCH', 'POST'] },
  InsertBatch: { POST: ['SEARCH', 'GET'] },
  ReadBatch: { SEARCH: ['POST', 'GET'] },
  PollRange: { POST: ['SEARCH'], SEARCH: ['POST'] },
};

export const AUTH_MUTATIONS: Mutation[] = [
  {
    name: 'auth: one signature digit changed',
    weight: 4,
    applies: all,
    make: (rng, ctx, base) =>
      result(editAuth(signed(rng, ctx, base), (a) => a.replace(/Signature=([0-9a-f]+)/, (_m, sig: string) => `Signature=${changeOneChar(rng, sig, HEX)}`))),
  },
  {
    name: 'auth: signature replaced by junk',
    weight: 2,
    applies: all,
    make: (rng, ctx, base) =>
      result(
        editAuth(signed(rng, ctx, base), (a) =>
          a.replace(/Signature=[0-9a-f]+/, `Signature=${rng.string('0123456789abcdefABCDEFxyz', rng.pick([0, 1, 63, 65, 128, rng.int(300)]))}`),
        ),
      ),
  },
  {
    name: 'auth: X-Amz-Date changed after signing',
    weight: 2,
    applies: all,
    make: (rng, ctx, base) => {
      const req = signed(rng, ctx, base);
      const old = getHeader(req, 'x-amz-date')!;
      const ms = Date.UTC(+old.slice(0, 4), +old.slice(4, 6) - 1, +old.slice(6, 8), +old.slice(9, 11), +old.slice(11, 13), +old.slice(13, 15));
      const shifted = amzDate(new Date(ms + (rng.bool() ? 1 : -1) * rng.range(1, 600) * 1000));
      // Another day no longer matches the credential scope's date.
      const expect = shifted.slice(0, 8) === old.slice(0, 8) ? DENIED : AHM;
      return result(setHeader(req, 'x-amz-date', shifted), expect);
    },
  },
  {
    name: 'auth: malformed X-Amz-Date',
    weight: 2,
    applies: all,
    make: (rng, ctx, base) => {
      const now = amzDate(new Date());
      const bad = rng.pick([
        '', 'yesterday', now.toLowerCase(), now.slice(0, -1), now + '0', now.replace('T', ' '), '20240230T000000Z',
        '20241301T000000Z', '20240101T240000Z', '20240101T006000Z', new Date().toISOString(), new Date().toUTCString(),
        now.replace(/\d/, '\u0661'), '-0001231T000000Z', `${now}Z`,
      ]);
      return result(setHeader(signed(rng, ctx, base), 'x-amz-date', bad), BAD);
    },
  },
  {
    name: 'auth: date outside the 15-minute window',
    weight: 2,
    applies: all,
    make: (rng, ctx, base) => {
      const minutes = rng.pick([16, 17, 30, 60 * 24, 60 * 24 * 400, rng.range(16, 60 * 24 * 365 * 20)]);
      const date = new Date(Date.now() + (rng.bool() ? 1 : -1) * minutes * 60_000);
      return result(signBase(ctx, base, { date }), BAD);
    },
  },
  {
    name: 'auth: no Authorization header',
    weight: 2,
    applies: all,
    make: (rng, ctx, base) => result(removeHeader(signed(rng, ctx, base), 'authorization')),
  },
  {
    name: 'auth: another scheme',
    weight: 2,
    applies: all,
    make: (rng, ctx, base) => {
      const scheme = rng.pick(['AWS4-HMAC-SHA512', 'aws4-hmac-sha256', 'AWS4-ECDSA-P256-SHA256', 'Bearer', 'Basic', 'AWS', 'AWS4-HMAC-SHA256,']);
      const req = editAuth(signed(rng, ctx, base), (a) => (rng.bool(0.8) ? a.replace('AWS4-HMAC-SHA256', scheme) : rng.pick(['', 'AWS4-HMAC-SHA256', scheme])));
      return result(req, BAD);
    },
  },
  {
    name: 'auth: Authorization part missing or malformed',
    weight: 2,
    applies: all,
    make: (rng, ctx, base) => {
      const edit = rng.pick<(a: string) => string>([
        (a) => a.replace(/Credential=[^,]*,\s*/, ''),
        (a) => a.replace(/SignedHeaders=[^,]*,\s*/, ''),
        (a) => a.replace(/,\s*Signature=\w*/, ''),
        (a) => `${a}, garbage`,
        (a) => a.replace(/,\s*/g, '; '),
        (a) => a.replace(/Credential=/, 'Credential '),
        (a) => a.replace(/Credential=([^/]*)\/[^,]*/, 'Credential=$1'),
      ]);
      return result(editAuth(signed(rng, ctx, base), edit), BAD);
    },
  },
  {
    name: 'auth: unknown access key id',
    weight: 2,
    applies: all,
    make: (rng, ctx, base) =>
      result(
        editAuth(signed(rng, ctx, base), (a) =>
          a.replace(/Credential=([^/]*)\//, (_m, id: string) => `Credential=${rng.bool(0.8) ? changeOneChar(rng, id, HEX + 'GK') : rng.pick(['', 'GK', id + '0'])}/`),
        ),
      ),
  },
  {
    name: 'auth: credential scope with another region, service or date',
    weight: 2,
    applies: all,
    make: (rng, ctx, base) => {
      const region = ctx.hs.config.region;
      const edit = rng.pick<(a: string) => string>([
        (a) => a.replace(`/${region}/`, `/${rng.pick(['us-east-1', region.toUpperCase(), `${region} `, '', `${region}x`])}/`),
        (a) => a.replace('/k2v/', `/${rng.pick(['s3', 'K2V', 'k2v2', '', 'iam'])}/`),
        (a) => a.replace('/aws4_request', `/${rng.pick(['aws4_requesT', 'aws4_request2', 'aws5_request', ''])}`),
        (a) => a.replace(/\/(\d{8})\//, (_m, d: string) => `/${d === '20200101' ? '20200102' : '20200101'}/`),
        (a) => a.replace('/aws4_request', '/aws4_request/extra'),
      ]);
      return result(editAuth(signed(rng, ctx, base), edit), AHM);
    },
  },
  {
    name: 'auth: SignedHeaders tampered',
    weight: 2,
    applies: all,
    make: (rng, ctx, base) => {
      const req = signed(rng, ctx, base, 'header');
      const edit = (f: (names: string[]) => string[]) => editAuth(req, (a) => a.replace(/SignedHeaders=([^,]*)/, (_m, s: string) => `SignedHeaders=${f(s.split(';')).join(';')}`));
      switch (rng.int(5)) {
        case 0:
          return result(edit((n) => n.filter((x) => x !== 'host')), BAD);
        case 1: {
          const drop = rng.pick(['x-amz-date', 'x-amz-content-sha256']);
          return result(edit((n) => n.filter((x) => x !== drop)), BAD);
        }
        case 2:
          return result(edit((n) => [...n, rng.pick(['x-not-sent', 'content-type', 'zzz'])].sort()), { statuses: [400, 403], codes: ['InvalidRequest', 'AccessDenied'] });
        case 3:
          return result(edit((n) => [...n, rng.pick(['x amz', 'x@y', '', 'é', 'a:b'])]), BAD);
        default:
          return result(edit((n) => [...n, 'host'].sort()), { statuses: [400, 403], codes: ['InvalidRequest', 'AccessDenied'] });
      }
    },
  },
  {
    name: 'auth: unsigned x-amz-* header added',
    weight: 2,
    applies: all,
    make: (rng, ctx, base) =>
      result(setHeader(signed(rng, ctx, base), rng.pick(['x-amz-meta-a', 'x-amz-security-token', `x-amz-${rng.string('abcdef', 5)}`]), 'x'), BAD),
  },
  {
    name: 'auth: a signed header changed after signing',
    weight: 2,
    applies: all,
    make: (rng, ctx, base) => {
      const req = signed(rng, ctx, base, 'header');
      switch (rng.int(4)) {
        case 0:
          return result(setHeader(req, 'host', rng.pick(['127.0.0.1:1', 'evil.example', 'localhost', `${ctx.hs.host}.`])));
        case 1:
          return result(setHeader(req, 'x-amz-content-sha256', rng.pick(['UNSIGNED-PAYLOAD', '0'.repeat(64), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'].filter((v) => v !== getHeader(req, 'x-amz-content-sha256')))));
        case 2:
          return result(setHeader(req, 'x-amz-content-sha256', rng.pick(['abc', 'z'.repeat(64), 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD', '', '0'.repeat(63)])), BAD);
        default: {
          // a signed header of the request's own
          const signedReq = signBase(ctx, { ...base, headers: { ...base.headers, 'x-note': 'original' } }, { sha: 'header' });
          return result(setHeader(signedReq, 'x-note', rng.pick(['changed', 'Original', 'original!'])));
        }
      }
    },
  },
  {
    name: 'auth: query changed after signing',
    weight: 2,
    applies: all,
    make: (rng, ctx, base) => {
      const req = signed(rng, ctx, base);
      const extra = `zz${rng.int(100)}=${rng.pick(['1', 'x', '%20'])}`;
      return result({ ...req, target: req.target + (req.target.includes('?') ? '&' : '?') + extra });
    },
  },
  {
    name: 'auth: method changed after signing',
    weight: 2,
    applies: only('ReadItem', 'PollItem', 'InsertItem', 'DeleteItem', 'ReadIndex', 'InsertBatch', 'ReadBatch', 'PollRange'),
    make: (rng, ctx, base) => {
      const others = OTHER_METHODS[base.endpoint]?.[base.method];
      // a ReadBatch base sent as POST ?search has no other routable method: re-sign it as SEARCH
      const b = others === undefined ? { ...base, method: 'SEARCH', query: [] } : base;
      const req = signed(rng, ctx, b);
      return result({ ...req, method: rng.pick(OTHER_METHODS[b.endpoint]![b.method]!) });
    },
  },
  {
    name: 'auth: body changed after signing',
    weight: 3,
    applies: all,
    make: (rng, ctx, base) => {
      const sha = rng.pick<ShaMode>(['header', 'none']);
      const req = signed(rng, ctx, base, sha);
      const body = req.body ?? Buffer.alloc(0);
      let changed: Buffer;
      switch (rng.int(3)) {
        case 0: {
          changed = body.length === 0 ? Buffer.from('x') : Buffer.from(body);
          if (body.length > 0) changed[rng.int(body.length)] ^= 1 << rng.int(8);
          break;
        }
        case 1:
          changed = Buffer.concat([body, rng.bytes(rng.range(1, 50))]);
          break;
        default:
          changed = body.length === 0 ? Buffer.from('{}') : body.subarray(0, rng.int(body.length));
      }
      return result(withBody(req, changed), sha === 'header' ? expectError(400, 'InvalidDigest') : DENIED);
    },
  },
  {
    name: 'auth: presigned URL broken',
    weight: 3,
    applies: all,
    make: (rng, ctx, base) => {
      const expired = rng.bool(0.3);
      const expires = expired ? rng.range(1, 120) : 300;
      const date = expired ? new Date(Date.now() - (expires + rng.range(30, 86400)) * 1000) : undefined;
      const req = signBase(ctx, base, { presign: { expires }, ...(date ? { date } : {}), sha: 'none' });
      if (expired) return result(req);
      const [path, query = ''] = req.target.split('?') as [string, string?];
      const pairs = query.split('&');
      const find = (name: string) => pairs.findIndex((p) => p.startsWith(`${name}=`));
      const setParam = (name: string, value: string | undefined): RawRequest => {
        const out = [...pairs];
        const i = find(name);
        if (value === undefined) out.splice(i, 1);
        else out[i] = `${name}=${value}`;
        return { ...req, target: `${path}?${out.join('&')}` };
      };
      switch (rng.int(6)) {
        case 0: {
          const sig = pairs[find('X-Amz-Signature')]!.split('=')[1]!;
          return result(setParam('X-Amz-Signature', changeOneChar(rng, sig, HEX)));
        }
        case 1:
          return result(setParam('X-Amz-Expires', rng.pick(['abc', '-1', '1.5', '604801', '99999999999', '', '%2B5'])), BAD);
        case 2:
          return result(setParam('X-Amz-Algorithm', rng.pick(['AWS4-HMAC-SHA512', 'aws4-hmac-sha256', 'x'])), BAD);
        case 3:
          return result(setParam(rng.pick(['X-Amz-Credential', 'X-Amz-SignedHeaders', 'X-Amz-Signature', 'X-Amz-Date', 'X-Amz-Expires']), undefined), BAD);
        case 4:
          // repeated, also in another case: a routing error, before authentication
          return result({ ...req, target: `${req.target}&${rng.pick(['X-Amz-Signature', 'x-amz-signature', 'X-AMZ-DATE'])}=0` }, BAD);
        default:
          // without X-Amz-Algorithm it is no presigned URL, and there is no Authorization header
          return result(setParam('X-Amz-Algorithm', undefined));
      }
    },
  },
];
