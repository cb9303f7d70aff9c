/**
 * The K2V router (contract section 3): (method, request target) -> one `Endpoint`, or a
 * `K2vError` answered before authentication. Pure; behaviour as Garage's `src/api/k2v/router.rs`.
 *
 * Order of checks, as Garage: empty bucket, then OPTIONS (any path, any query), then the
 * partition key's UTF-8, then the query string, then the method's table. A query field an
 * endpoint does not use is neither required nor validated (`limit=x` on ReadItem is ignored).
 */
import { badRequest, type K2vError } from '../k2v/errors.js';
import type { Endpoint } from './endpoint.js';
import { invalidUtf8, parseBool, parseQuery, parseU64, percentDecode, splitTarget, type QueryFields } from './query.js';

/**
 * Routes a request. `rawTarget` is the request target as sent (`req.url`): path and optional
 * `?query`, still percent-encoded. Throws K2vError (400 InvalidRequest or InvalidUtf8String).
 */
export function route(method: string, rawTarget: string): Endpoint {
  const { path, query } = splitTarget(rawTarget);
  return routeParts(method, path, query);
}

/** `route` for a target already split by `splitTarget` (the dispatcher needs the parts too). */
export function routeParts(method: string, path: string, query: string | undefined): Endpoint {
  let begin = 0;
  while (begin < path.length && path.charCodeAt(begin) === 0x2f /* / */) begin++;
  const slash = path.indexOf('/', begin);
  // The bucket is not percent-decoded (Garage resolves the name as sent).
  const bucket = slash < 0 ? path.slice(begin) : path.slice(begin, slash);
  if (bucket.length === 0) throw badRequest('missing bucket name');
  if (method === 'OPTIONS') return { kind: 'Options', bucket };

  let pk: string | undefined;
  if (slash >= 0) {
    let pkBegin = slash + 1;
    while (pkBegin < path.length && path.charCodeAt(pkBegin) === 0x2f) pkBegin++;
    if (pkBegin < path.length) {
      // `+` stays a plus in a path; an empty partition key means "none".
      pk = percentDecode(path.slice(pkBegin), false);
      if (pk === undefined) throw invalidUtf8();
      if (pk.length === 0) pk = undefined;
    }
  }

  const q = parseQuery(query);
  switch (method) {
    case 'GET':
      return routeGet(bucket, pk, q);
    case 'POST':
      return routePost(bucket, pk, q);
    case 'PUT':
      if (pk === undefined || q.keyword !== undefined) throw invalidEndpoint(method, pk, q);
      return { kind: 'InsertItem', bucket, pk, sk: required(q.sort_key, 'sort_key') };
    case 'DELETE':
      if (pk === undefined || q.keyword !== undefined) throw invalidEndpoint(method, pk, q);
      return { kind: 'DeleteItem', bucket, pk, sk: required(q.sort_key, 'sort_key') };
    case 'SEARCH':
      if (pk !== undefined && q.keyword === 'poll_range') return { kind: 'PollRange', bucket, pk };
      if (pk === undefined && q.keyword === undefined) return { kind: 'ReadBatch', bucket };
      throw invalidEndpoint(method, pk, q);
    default:
      // HEAD included: Garage's K2V router has no HEAD endpoint.
      throw badRequest(`unknown method: ${method}`);
  }
}

function routeGet(bucket: string, pk: string | undefined, q: QueryFields): Endpoint {
  if (q.keyword !== undefined) throw invalidEndpoint('GET', pk, q);
  if (pk === undefined) {
    return {
      kind: 'ReadIndex',
      bucket,
      prefix: q.prefix,
      start: q.start,
      end: q.end,
      limit: q.limit === undefined ? undefined : parseU64('limit', q.limit),
      reverse: q.reverse === undefined ? undefined : parseBool('reverse', q.reverse),
    };
  }
  const sk = required(q.sort_key, 'sort_key');
  if (q.causality_token === undefined) return { kind: 'ReadItem', bucket, pk, sk };
  return {
    kind: 'PollItem',
    bucket,
    pk,
    sk,
    causalityToken: q.causality_token,
    timeout: q.timeout === undefined ? undefined : parseU64('timeout', q.timeout),
  };
}

function routePost(bucket: string, pk: string | undefined, q: QueryFields): Endpoint {
  if (pk !== undefined) {
    if (q.keyword === 'poll_range') return { kind: 'PollRange', bucket, pk };
    throw invalidEndpoint('POST', pk, q);
  }
  switch (q.keyword) {
    case undefined:
      return { kind: 'InsertBatch', bucket };
    case 'search':
      return { kind: 'ReadBatch', bucket };
    case 'delete':
      return { kind: 'DeleteBatch', bucket };
    default:
      throw invalidEndpoint('POST', pk, q);
  }
}

function required(value: string | undefined, name: string): string {
  if (value === undefined) throw badRequest(`missing query parameter: ${name}`);
  return value;
}

function invalidEndpoint(method: string, pk: string | undefined, q: QueryFields): K2vError {
  const what = pk === undefined ? 'without' : 'with';
  const keyword = q.keyword === undefined ? '' : ` and keyword '${q.keyword}'`;
  return badRequest(`invalid endpoint: ${method} ${what} partition key${keyword}`);
}
