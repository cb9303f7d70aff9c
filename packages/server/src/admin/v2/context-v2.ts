/**
 * What the v2 handlers receive beyond the v1 context: the health verdict, which tokens the
 * configuration holds (ListAdminTokens lists them), the data directory (disk space in
 * GetClusterStatus) and the clock (token expiry; injected in tests).
 */
import type { AdminContext, AdminResult, HealthReport } from '../context.js';
import type { V2Lookup } from './wire-v2.js';
import { lookupIn } from './wire-v2.js';

export interface V2Context extends AdminContext {
  readonly health: () => HealthReport;
  readonly hasAdminToken: boolean;
  readonly hasMetricsToken: boolean;
  readonly dataDir: string | undefined;
  readonly now: () => number;
}

/** The v2 answer of an operation: always 200 with JSON (`null` for the deletions, as Garage). */
export type V2Result = unknown;

/** The JSON of a v1 handler's result (204 becomes Garage v2's `null`). */
export function jsonOf(result: AdminResult): unknown {
  return result.status === 200 ? result.json : null;
}

export const lookup = (ctx: V2Context): V2Lookup => lookupIn(ctx.store.meta);
