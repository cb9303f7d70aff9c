/**
 * Routing and query mutations (contract section 3): the request is re-signed after the change,
 * so only the routing defect is left: invalid UTF-8, missing or repeated fields, misplaced
 * keywords, numbers that are not u64, keys over the limits, bad tokens, unknown buckets.
 */
import { all, BAD, expectError, only, type Mutation } from './case.js';
import { badBool, badToken, badU64, isToken } from './codecs.js';
import { pathOfTarget, signBase, targetOf, type Base, type Ctx, type ShaMode } from './fixture.js';
import type { Rng } from './prng.js';

const enc = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());

const BAD_UTF8 = ['%FF', '%C3%28', '%ED%A0%80', '%F4%90%80%80', '%C0%AF', '%E2%82', '%80', '%F8%88%80%80%80', '%C3', '%FE%FF', '%E0%80%AF'];
const ITEM_ENDPOINTS = only('ReadItem', 'PollItem', 'InsertItem', 'DeleteItem');

/**
 * Signs the mutated request. aws4 cannot sign some targets (it percent-decodes the path first);
 * those are routing errors, answered before the signature is looked at, so the original
 * request's signature is sent with the mutated target.
 */
function send(rng: Rng, ctx: Ctx, b: Base, expect = BAD, original?: Base) {
  const sha = rng.pick<ShaMode>(['header', 'none', 'unsigned']);
  let req;
  try {
    req = signBase(ctx, b, { sha });
  } catch (err) {
    if (original === undefined) throw err;
    req = { ...signBase(ctx, original, { sha }), target: targetOf(ctx.bucket, b) };
  }
  return { req, expect, path: pathOfTarget(req.target) };
}

function withQuery(b: Base, edit: (q: [string, string | undefined][]) => [string, string | undefined][]): Base {
  return { ...b, query: edit([...b.query]) };
}

function longKey(rng: Rng, limit: number): string {
  const unit = rng.pick(['k', '\u00e9', '\u65e5', '\u{1F600}']);
  const bytes = Buffer.byteLength(unit);
  const n = Math.floor(limit / bytes) + rng.range(1, Math.max(1, Math.floor(1500 / bytes)));
  return unit.repeat(n);
}

export const ROUTE_MUTATIONS: Mutation[] = [
  {
    name: 'route: invalid UTF-8 in the partition key',
    weight: 3,
    applies: all,
    make: (rng, ctx, base) => {
      const pk = `${rng.pick(['', 'fx', 'a%20'])}${rng.pick(BAD_UTF8)}${rng.pick(['', 'z', '%41'])}`;
      return send(rng, ctx, { ...base, pk }, expectError(400, 'InvalidUtf8String'), base);
    },
  },
  {
    name: 'route: invalid UTF-8 in the query',
    weight: 2,
    applies: all,
    make: (rng, ctx, base) => {
      const bad = rng.pick(BAD_UTF8);
      return send(rng, ctx, withQuery(base, (q) => [...q, rng.bool() ? ['zz', bad] : [`z${bad}`, '1']]), BAD, base);
    },
  },
  {
    name: 'route: sort_key missing or empty',
    weight: 2,
    applies: ITEM_ENDPOINTS,
    make: (rng, ctx, base) =>
      send(rng, ctx, withQuery(base, (q) => q.flatMap(([k, v]): [string, string | undefined][] => (k === 'sort_key' ? (rng.bool() ? [] : [[k, rng.pick(['', undefined])]]) : [[k, v]])))),
  },
  {
    name: 'route: a query name repeated (any case)',
    weight: 3,
    applies: all,
    make: (rng, ctx, base) => {
      const names = [...base.query.map(([k]) => k), 'zz', 'sort_key', 'limit', 'x-amz-date'];
      const name = rng.pick(names);
      const again = rng.pick([name, name.toUpperCase(), name[0]!.toUpperCase() + name.slice(1)]);
      return send(rng, ctx, withQuery(base, (q) => [...q, [name, 'a'], [again, rng.pick(['a', 'b', undefined])]]));
    },
  },
  {
    name: 'route: keyword where none fits',
    weight: 2,
    applies: all,
    make: (rng, ctx, base) => {
      const has = base.query.find(([k]) => k === 'search' || k === 'delete' || k === 'poll_range')?.[0];
      // InsertBatch (POST /b) takes `search` and `delete` as other endpoints: only poll_range is wrong.
      const choices = has !== undefined ? ['search', 'delete', 'poll_range'] : base.endpoint === 'InsertBatch' ? ['poll_range'] : ['search', 'delete', 'poll_range'];
      return send(rng, ctx, withQuery(base, (q) => [...q, [rng.pick(choices), rng.pick([undefined, '', '1'])]]));
    },
  },
  {
    name: 'route: limit, reverse or timeout not a number or boolean',
    weight: 3,
    applies: only('ReadIndex', 'PollItem'),
    make: (rng, ctx, base) => {
      const [name, value] =
        base.endpoint === 'PollItem'
          ? (['timeout', badU64(rng)] as const)
          : rng.bool()
            ? (['limit', badU64(rng)] as const)
            : (['reverse', badBool(rng)] as const);
      return send(rng, ctx, withQuery(base, (q) => [...q.filter(([k]) => k !== name), [name, enc(value)]]));
    },
  },
  {
    name: 'route: ReadIndex start outside the prefix',
    weight: 1,
    applies: only('ReadIndex'),
    make: (rng, ctx, base) => {
      const prefix = rng.pick(['f', 'fx', 'a', '\u00e9']);
      const start = rng.pick(['g', 'e', 'zz', 'F', '\u00e8']);
      return send(rng, ctx, withQuery(base, (q) => [...q.filter(([k]) => k !== 'prefix' && k !== 'start'), ['prefix', enc(prefix)], ['start', enc(start)]]));
    },
  },
  {
    name: 'route: PollItem causality_token invalid',
    weight: 3,
    applies: only('PollItem'),
    make: (rng, ctx, base) => {
      let token: string;
      do token = badToken(rng, ctx.token);
      while (token === '' || isToken(token));
      return send(rng, ctx, withQuery(base, (q) => q.map(([k, v]): [string, string | undefined] => (k === 'causality_token' ? [k, enc(token)] : [k, v]))));
    },
  },
  {
    name: 'route: key over the length limit',
    weight: 2,
    applies: all,
    make: (rng, ctx, base) => {
      const limits = ctx.hs.config.limits;
      if (rng.bool() || !ITEM_ENDPOINTS(base.endpoint)) return send(rng, ctx, { ...base, pk: enc(longKey(rng, limits.maxPartitionKeyBytes)) });
      const sk = enc(longKey(rng, limits.maxSortKeyBytes));
      return send(rng, ctx, withQuery(base, (q) => q.map(([k, v]): [string, string | undefined] => (k === 'sort_key' ? [k, sk] : [k, v]))));
    },
  },
  {
    name: 'route: write without a partition key',
    weight: 1,
    applies: only('InsertItem', 'DeleteItem'),
    // `/b/` and `/b//` mean "no partition key": PUT and DELETE need one.
    make: (rng, ctx, base) => send(rng, ctx, { ...base, pk: rng.pick(['', '/', '//']) }, BAD, base),
  },
  {
    name: 'route: empty bucket name',
    weight: 1,
    applies: all,
    make: (rng, ctx, base) => {
      const req = signBase(ctx, base);
      const q = req.target.indexOf('?');
      const target = rng.pick(['/', '//', '///']) + (q < 0 ? '' : req.target.slice(q));
      return { req: { ...req, target }, expect: BAD, path: pathOfTarget(target) };
    },
  },
  {
    name: 'route: unknown bucket',
    weight: 2,
    applies: all,
    make: (rng, ctx, base) => {
      const bucket = rng.pick([`nb-${rng.string('0123456789abcdef', 8)}`, rng.string('0123456789abcdef', 64), ctx.bucket.toUpperCase(), `${ctx.bucket}x`]);
      const req = signBase({ ...ctx, bucket }, base, { sha: 'header' });
      return { req, expect: expectError(404, 'NoSuchBucket'), path: pathOfTarget(req.target) };
    },
  },
];
