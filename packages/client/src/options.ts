/** The client's settings, from code or from the environment (`K2vClient.fromEnv`). */
import { K2vError } from './errors.js';
import type { RetryOptions } from './transport.js';

export interface K2vClientOptions {
  /** Base URL of the K2V API, e.g. `http://127.0.0.1:3904` (a path prefix is kept). */
  endpoint: string | URL;
  /** SigV4 region of the server (default `garage`). */
  region?: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** The bucket: a global alias, a local alias of the key, or the 64-hex bucket id. */
  bucket: string;
  /** Default deadline of a call, retries included, ms (default 30 000). Polls: their timeout + 10 s. */
  timeoutMs?: number;
  /** Retries of idempotent reads (network errors and 503). Writes are never retried. */
  retry?: RetryOptions;
  /**
   * The fetch to use (default `globalThis.fetch`). In Node, e.g. undici's `fetch` bound to an
   * `Agent` with other pool settings; the client needs nothing but the standard signature.
   */
  fetch?: typeof fetch;
}

/** The environment variables `fromEnv` reads, as `k2v-cli` and the AWS tools name them. */
export const ENV = {
  endpoint: ['K2V_ENDPOINT'],
  region: ['AWS_REGION'],
  accessKeyId: ['AWS_ACCESS_KEY_ID', 'K2V_KEY_ID'],
  secretAccessKey: ['AWS_SECRET_ACCESS_KEY', 'K2V_KEY_SECRET'],
  bucket: ['K2V_BUCKET'],
} as const;

/** The process environment where there is one (Node, Deno, Bun), read through globalThis so that browsers do not break. */
function environment(): Record<string, string | undefined> {
  const proc = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  return proc?.env ?? {};
}

/** The options from the environment, `overrides` winning; every missing setting named in one error. */
export function optionsFromEnv(overrides: Partial<K2vClientOptions> = {}): K2vClientOptions {
  const env = environment();
  const read = (names: readonly string[]): string | undefined => {
    for (const n of names) {
      const v = env[n];
      if (v !== undefined && v !== '') return v;
    }
    return undefined;
  };
  const missing: string[] = [];
  const need = (key: 'endpoint' | 'accessKeyId' | 'secretAccessKey' | 'bucket'): string => {
    const given = overrides[key];
    if (given !== undefined && given !== '') return String(given);
    const v = read(ENV[key]);
    if (v === undefined) missing.push(ENV[key].join(' or '));
    return v ?? '';
  };
  const options: K2vClientOptions = {
    ...overrides,
    endpoint: need('endpoint'),
    accessKeyId: need('accessKeyId'),
    secretAccessKey: need('secretAccessKey'),
    bucket: need('bucket'),
    region: overrides.region ?? read(ENV.region) ?? 'garage',
  };
  if (missing.length > 0) {
    throw new K2vError('InvalidArgument', `k2v-client: missing setting${missing.length > 1 ? 's' : ''}: set ${missing.join(', ')}`);
  }
  return options;
}

/** Checks the options a client cannot work without; returns the endpoint as a URL. */
export function checkOptions(o: K2vClientOptions): URL {
  const problems: string[] = [];
  for (const key of ['accessKeyId', 'secretAccessKey', 'bucket'] as const) {
    if (typeof o[key] !== 'string' || o[key] === '') problems.push(`${key} is missing`);
  }
  // The bucket is sent as the first path segment, not percent-decoded by the server: it must
  // need no escaping (bucket names and ids never do).
  if (typeof o.bucket === 'string' && o.bucket !== '' && (!/^[A-Za-z0-9._~-]+$/.test(o.bucket) || /^\.{1,2}$/.test(o.bucket))) {
    problems.push(`bucket ${JSON.stringify(o.bucket)} is not a valid bucket name`);
  }
  let endpoint: URL | undefined;
  try {
    endpoint = new URL(String(o.endpoint));
    if (endpoint.protocol !== 'http:' && endpoint.protocol !== 'https:') problems.push(`endpoint ${endpoint.href} is not http(s)`);
    if (endpoint.search !== '' || endpoint.hash !== '') problems.push(`endpoint ${endpoint.href} must not have a query or fragment`);
  } catch {
    problems.push(`endpoint ${JSON.stringify(String(o.endpoint ?? ''))} is not a URL`);
  }
  if (problems.length > 0 || endpoint === undefined) throw new K2vError('InvalidArgument', `k2v-client: ${problems.join('; ')}`);
  return endpoint;
}
