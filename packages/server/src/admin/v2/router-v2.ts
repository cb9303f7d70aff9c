/**
 * The admin API v2 router (Garage src/api/admin/router_v2.rs): `/v2/<Operation>`, one method per
 * operation, arguments in the query (camelCase) and, for the operations that take one, a JSON
 * body. Only the operations that apply to a K2V server are known; any other path under `/v2/`
 * is 400 "Unknown API endpoint", as Garage answers for a path it does not know.
 */
import { badRequest } from '../errors.js';
import { AdminQuery } from '../router.js';

export const V2_OPERATIONS = [
  'GetClusterHealth',
  'GetClusterStatus',
  'ListKeys',
  'GetKeyInfo',
  'CreateKey',
  'ImportKey',
  'UpdateKey',
  'DeleteKey',
  'ListBuckets',
  'GetBucketInfo',
  'CreateBucket',
  'UpdateBucket',
  'DeleteBucket',
  'AllowBucketKey',
  'DenyBucketKey',
  'AddBucketAlias',
  'RemoveBucketAlias',
  'ListAdminTokens',
  'CreateAdminToken',
  'GetAdminTokenInfo',
  'UpdateAdminToken',
  'DeleteAdminToken',
] as const;

export type V2Operation = (typeof V2_OPERATIONS)[number];

interface OperationSpec {
  readonly method: 'GET' | 'POST';
  readonly body: boolean;
}

const GET: OperationSpec = { method: 'GET', body: false };
const POST: OperationSpec = { method: 'POST', body: false };
const POST_BODY: OperationSpec = { method: 'POST', body: true };

const SPECS: Readonly<Record<V2Operation, OperationSpec>> = {
  GetClusterHealth: GET,
  GetClusterStatus: GET,
  ListKeys: GET,
  GetKeyInfo: GET,
  CreateKey: POST_BODY,
  ImportKey: POST_BODY,
  UpdateKey: POST_BODY,
  DeleteKey: POST,
  ListBuckets: GET,
  GetBucketInfo: GET,
  CreateBucket: POST_BODY,
  UpdateBucket: POST_BODY,
  DeleteBucket: POST,
  AllowBucketKey: POST_BODY,
  DenyBucketKey: POST_BODY,
  AddBucketAlias: POST_BODY,
  RemoveBucketAlias: POST_BODY,
  ListAdminTokens: GET,
  CreateAdminToken: POST_BODY,
  GetAdminTokenInfo: GET,
  UpdateAdminToken: POST_BODY,
  DeleteAdminToken: POST,
};

export interface V2Endpoint {
  readonly operation: V2Operation;
  readonly query: AdminQuery;
  /** The handler reads a JSON body. */
  readonly takesBody: boolean;
}

const PREFIX = '/v2/';

/**
 * The `api_endpoint` label of a v2 call in the admin metrics: its path, as Garage labels v2
 * calls, so it never counts together with the v1 endpoint of the same name (`ListKeys`).
 */
export function v2EndpointName(op: V2Operation): string {
  return `${PREFIX}${op}`;
}

/** Paths this router answers for (OPTIONS stays with the v1 router, which takes any path). */
export function isV2Request(method: string, path: string): boolean {
  return method !== 'OPTIONS' && path.startsWith(PREFIX);
}

function isOperation(name: string): name is V2Operation {
  return Object.prototype.hasOwnProperty.call(SPECS, name);
}

/** Routes a `/v2/…` request; throws 400 InvalidRequest for an unknown operation, method or query. */
export function routeAdminV2(method: string, path: string, rawQuery: string): V2Endpoint {
  const query = AdminQuery.parse(rawQuery);
  const name = path.slice(PREFIX.length);
  if (!isOperation(name) || SPECS[name].method !== method) throw badRequest(`Unknown API endpoint: ${method} ${path}`);
  return { operation: name, query, takesBody: SPECS[name].body };
}
