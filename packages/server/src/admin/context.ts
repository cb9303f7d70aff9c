/**
 * What every admin handler receives and returns: the store, and a JSON (200) or empty (204)
 * result that admin-server.ts writes out.
 */
import type { Store } from '../store/store.js';

export interface AdminContext {
  readonly store: Store;
}

/**
 * What /health and the admin API's health operations answer: the store open and writable, or why
 * not. `ok: false` answers 503 with the reason (one line for an operator reading a load
 * balancer's log).
 */
export type HealthReport = { readonly ok: true } | { readonly ok: false; readonly reason: string };

export type AdminResult = { readonly status: 200; readonly json: unknown } | { readonly status: 204 };

export const ok = (json: unknown): AdminResult => ({ status: 200, json });
export const noContent: AdminResult = { status: 204 };
