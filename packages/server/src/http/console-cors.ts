/**
 * CORS of the K2V listener for the web console's own origin(s) (the admin listener's, where
 * `/console/` is served), in addition to per-bucket rules: the console reads and writes every
 * bucket its credentials allow without the operator adding a CORS rule to each. Nothing is
 * weakened: requests stay SigV4-signed (CORS gives a page no credentials), and for every other
 * origin the answers are exactly the contract's (section 11).
 */
import type { CorsHeaders } from './cors.js';

/** The origins of the console page; empty until the admin listener is bound. */
export interface ConsoleOrigins {
  allows(origin: string): boolean;
}

export const NO_CONSOLE_ORIGINS: ConsoleOrigins = { allows: () => false };

const METHODS = 'GET, PUT, DELETE, POST, SEARCH';
// What k2v-client sends (SigV4, the causality token, Accept/Content-Type).
const HEADERS = 'authorization, content-type, accept, x-amz-date, x-amz-content-sha256, x-garage-causality-token';
const EXPOSE = 'x-garage-causality-token, content-type, content-length';

/** Headers of every actual response to the console. */
export function consoleCorsHeaders(origin: string): CorsHeaders {
  return {
    'Access-Control-Allow-Origin': origin,
    Vary: 'Origin',
    'Access-Control-Allow-Methods': METHODS,
    'Access-Control-Allow-Headers': HEADERS,
    'Access-Control-Expose-Headers': EXPOSE,
  };
}

/** The 200 answer of a preflight from the console (any bucket, before authentication). */
export function consolePreflightHeaders(origin: string): CorsHeaders {
  return { ...consoleCorsHeaders(origin), 'Access-Control-Max-Age': '600' };
}
