/**
 * The admin API router: a pure parse of (method, path, query) into one endpoint, as Garage's
 * admin API v1 routes them (src/api/admin/router_v1.rs). Rules are tried in order; a rule with
 * `when` applies only if that query field is present. Query fields are form-decoded; an empty
 * value counts as absent, a repeated known field is refused, unknown fields (`?list`) are ignored.
 * The path is matched as sent, without decoding or normalisation.
 */
import { badRequest } from './errors.js';

export type AdminEndpoint =
  | { kind: 'Options' }
  | { kind: 'Health' }
  | { kind: 'Metrics' }
  | { kind: 'ListKeys' }
  | { kind: 'GetKeyInfo'; id: string | undefined; search: string | undefined; showSecretKey: boolean }
  | { kind: 'CreateKey' }
  | { kind: 'ImportKey' }
  | { kind: 'UpdateKey'; id: string }
  | { kind: 'DeleteKey'; id: string }
  | { kind: 'ListBuckets' }
  | { kind: 'GetBucketInfo'; id: string | undefined; globalAlias: string | undefined }
  | { kind: 'CreateBucket' }
  | { kind: 'UpdateBucket'; id: string }
  | { kind: 'DeleteBucket'; id: string }
  | { kind: 'BucketAllowKey' }
  | { kind: 'BucketDenyKey' }
  | { kind: 'GlobalAliasBucket'; id: string; alias: string }
  | { kind: 'GlobalUnaliasBucket'; id: string; alias: string }
  | { kind: 'LocalAliasBucket'; id: string; accessKeyId: string; alias: string }
  | { kind: 'LocalUnaliasBucket'; id: string; accessKeyId: string; alias: string }
  // K2V backups (not in Garage): streamed, handled by admin/k2v-backup-endpoints.ts.
  | { kind: 'K2vDump'; bucket: string | undefined }
  | { kind: 'K2vRestore'; bucket: string | undefined; firstLine: number }
  | { kind: 'K2vSnapshot' };

export type AdminEndpointKind = AdminEndpoint['kind'];

const FIELDS = ['format', 'id', 'search', 'globalAlias', 'alias', 'accessKeyId', 'showSecretKey', 'bucket', 'firstLine'] as const;
type Field = (typeof FIELDS)[number];

/** The known query fields of a request; `take` of a mandatory one throws 400. */
export class AdminQuery {
  private constructor(private readonly values: ReadonlyMap<Field, string>) {}

  static parse(rawQuery: string): AdminQuery {
    const values = new Map<Field, string>();
    for (const [name, value] of new URLSearchParams(rawQuery)) {
      if (!(FIELDS as readonly string[]).includes(name) || value === '') continue;
      const field = name as Field;
      if (values.has(field)) throw badRequest(`Query parameter repeated: '${name}'`);
      values.set(field, value);
    }
    return new AdminQuery(values);
  }

  has(field: Field): boolean {
    return this.values.has(field);
  }

  opt(field: Field): string | undefined {
    return this.values.get(field);
  }

  req(field: Field): string {
    const v = this.values.get(field);
    if (v === undefined) throw badRequest('Missing argument for endpoint');
    return v;
  }
}

interface Rule {
  readonly method: string;
  /** undefined: any path */
  readonly path: string | undefined;
  readonly when?: Field;
  readonly build: (q: AdminQuery) => AdminEndpoint;
}

const RULES: readonly Rule[] = [
  { method: 'OPTIONS', path: undefined, build: () => ({ kind: 'Options' }) },
  { method: 'GET', path: '/health', build: () => ({ kind: 'Health' }) },
  { method: 'GET', path: '/metrics', build: () => ({ kind: 'Metrics' }) },
  { method: 'GET', path: '/v1/key', when: 'id', build: getKeyInfo },
  { method: 'GET', path: '/v1/key', when: 'search', build: getKeyInfo },
  { method: 'POST', path: '/v1/key', when: 'id', build: (q) => ({ kind: 'UpdateKey', id: q.req('id') }) },
  { method: 'POST', path: '/v1/key', build: () => ({ kind: 'CreateKey' }) },
  { method: 'POST', path: '/v1/key/import', build: () => ({ kind: 'ImportKey' }) },
  { method: 'DELETE', path: '/v1/key', when: 'id', build: (q) => ({ kind: 'DeleteKey', id: q.req('id') }) },
  { method: 'GET', path: '/v1/key', build: () => ({ kind: 'ListKeys' }) },
  { method: 'GET', path: '/v1/bucket', when: 'id', build: getBucketInfo },
  { method: 'GET', path: '/v1/bucket', when: 'globalAlias', build: getBucketInfo },
  { method: 'GET', path: '/v1/bucket', build: () => ({ kind: 'ListBuckets' }) },
  { method: 'POST', path: '/v1/bucket', build: () => ({ kind: 'CreateBucket' }) },
  { method: 'DELETE', path: '/v1/bucket', when: 'id', build: (q) => ({ kind: 'DeleteBucket', id: q.req('id') }) },
  { method: 'PUT', path: '/v1/bucket', when: 'id', build: (q) => ({ kind: 'UpdateBucket', id: q.req('id') }) },
  { method: 'POST', path: '/v1/bucket/allow', build: () => ({ kind: 'BucketAllowKey' }) },
  { method: 'POST', path: '/v1/bucket/deny', build: () => ({ kind: 'BucketDenyKey' }) },
  {
    method: 'PUT',
    path: '/v1/bucket/alias/global',
    build: (q) => ({ kind: 'GlobalAliasBucket', id: q.req('id'), alias: q.req('alias') }),
  },
  {
    method: 'DELETE',
    path: '/v1/bucket/alias/global',
    build: (q) => ({ kind: 'GlobalUnaliasBucket', id: q.req('id'), alias: q.req('alias') }),
  },
  {
    method: 'PUT',
    path: '/v1/bucket/alias/local',
    build: (q) => ({ kind: 'LocalAliasBucket', id: q.req('id'), accessKeyId: q.req('accessKeyId'), alias: q.req('alias') }),
  },
  {
    method: 'DELETE',
    path: '/v1/bucket/alias/local',
    build: (q) => ({ kind: 'LocalUnaliasBucket', id: q.req('id'), accessKeyId: q.req('accessKeyId'), alias: q.req('alias') }),
  },
  { method: 'GET', path: '/v1/k2v/dump', build: (q) => ({ kind: 'K2vDump', bucket: q.opt('bucket') }) },
  { method: 'POST', path: '/v1/k2v/restore', build: (q) => ({ kind: 'K2vRestore', bucket: q.opt('bucket'), firstLine: firstLineOf(q) }) },
  { method: 'POST', path: '/v1/k2v/snapshot', build: () => ({ kind: 'K2vSnapshot' }) },
];

/**
 * `?firstLine=N` (N >= 2): the restore request is one part of a larger file (`k2v restore` sends
 * a large dump in parts), whose second line is line N of the file; 2 (the default) is a whole file.
 */
function firstLineOf(q: AdminQuery): number {
  const v = q.opt('firstLine');
  if (v === undefined) return 2;
  if (!/^[1-9][0-9]{0,14}$/.test(v) || Number(v) < 2) throw badRequest("Query parameter 'firstLine': expected a line number of 2 or more");
  return Number(v);
}

function getKeyInfo(q: AdminQuery): AdminEndpoint {
  return { kind: 'GetKeyInfo', id: q.opt('id'), search: q.opt('search'), showSecretKey: q.opt('showSecretKey') === 'true' };
}

function getBucketInfo(q: AdminQuery): AdminEndpoint {
  return { kind: 'GetBucketInfo', id: q.opt('id'), globalAlias: q.opt('globalAlias') };
}

/** Routes a request; throws K2vError InvalidRequest (400) for an unknown endpoint or bad query. */
export function routeAdmin(method: string, path: string, rawQuery: string): AdminEndpoint {
  const query = AdminQuery.parse(rawQuery);
  for (const rule of RULES) {
    if (rule.method !== method || (rule.path !== undefined && rule.path !== path)) continue;
    if (rule.when !== undefined && !query.has(rule.when)) continue;
    return rule.build(query);
  }
  throw badRequest(`Unknown API endpoint: ${method} ${path}`);
}

/** Endpoints whose handler reads a JSON body. */
export const TAKES_JSON_BODY: ReadonlySet<AdminEndpointKind> = new Set<AdminEndpointKind>([
  'CreateKey',
  'ImportKey',
  'UpdateKey',
  'CreateBucket',
  'UpdateBucket',
  'BucketAllowKey',
  'BucketDenyKey',
]);
