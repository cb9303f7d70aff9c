/**
 * The web console's static site on the admin listener, under `/console/` (packages/console, npm
 * `k2v-console`, built at `npm ci`). The built files are read once, on the first request, into
 * a map: only names in that map are ever served, so no request path can reach another file
 * (no decoding, no `..`, no symlink following at request time). `/console/config.json` tells the
 * page where the K2V listener is. Every answer carries a strict Content-Security-Policy: scripts
 * and styles from this origin only, no inline code, Trusted Types required, and connections only
 * to this origin and the K2V listener. Without the console package, `/console/` answers a 404
 * saying so, and the rest of the server works as before.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { respond, type Exchange } from '../http/respond.js';
import type { BoundAddress } from '../server/running-server.js';

export const CONSOLE_PREFIX = '/console';

/** What the page needs to know at run time about the server it came from. */
export interface ConsoleRuntime {
  /** The K2V listener; undefined before it is bound, or when it is a Unix socket (no browser reaches it). */
  readonly k2v: BoundAddress | undefined;
  readonly k2vTls: boolean;
  readonly region: string;
}

interface Asset {
  readonly type: string;
  readonly body: Buffer;
  /** Hashed names (assets/…-<hash>.js) never change: cached for a year; the rest revalidated. */
  readonly immutable: boolean;
}

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json',
  '.woff2': 'font/woff2',
};

/** The console package's `dist/`, found by module resolution; undefined when it is not installed or not built. */
export function findConsoleDist(): string | undefined {
  try {
    const pkg = createRequire(import.meta.url).resolve('k2v-console/package.json');
    const dist = path.join(path.dirname(pkg), 'dist');
    return fs.existsSync(path.join(dist, 'index.html')) ? dist : undefined;
  } catch {
    return undefined;
  }
}

/** Every regular file under `dir`, by its path relative to it with `/` separators. */
function readAssets(dir: string): Map<string, Asset> {
  const out = new Map<string, Asset>();
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel === '' ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory()) walk(r);
      else if (e.isFile()) {
        const type = TYPES[path.extname(e.name).toLowerCase()];
        if (type === undefined) continue;
        out.set(r, { type, body: fs.readFileSync(path.join(dir, r)), immutable: r.startsWith('assets/') });
      }
    }
  };
  walk('');
  return out;
}

/** A host name or IP literal as the Host header may carry it, nothing that could break a header. */
const HOST_NAME = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])$/;

const WILDCARD = new Set(['0.0.0.0', '::']);

/**
 * The K2V origin the page should use: the listener's own address, or for a wildcard bind the
 * host name the browser used to reach this page (from its Host header, when it is a plain name).
 */
export function k2vOrigin(rt: ConsoleRuntime, hostHeader: string | undefined): string | undefined {
  const a = rt.k2v;
  if (a === undefined || a.kind !== 'tcp') return undefined;
  let host: string;
  if (WILDCARD.has(a.host)) {
    const name = hostHeader === undefined ? undefined : hostOf(hostHeader);
    if (name === undefined) return undefined;
    host = name;
  } else {
    host = a.host.includes(':') ? `[${a.host}]` : a.host;
  }
  return `${rt.k2vTls ? 'https' : 'http'}://${host}:${a.port}`;
}

/** The host part of a Host header (`name[:port]`, `[v6][:port]`), if it is a well-formed name. */
export function hostOf(hostHeader: string): string | undefined {
  const m = /^(\[[^\]]*\]|[^:]*)(?::\d{1,5})?$/.exec(hostHeader);
  const host = m?.[1];
  return host !== undefined && HOST_NAME.test(host) ? host : undefined;
}

export function contentSecurityPolicy(k2v: string | undefined): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src 'self'${k2v === undefined ? '' : ` ${k2v}`}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "require-trusted-types-for 'script'",
    "trusted-types 'none'",
  ].join('; ');
}

export interface ConsoleSite {
  /** True for paths this site answers (`/console` and below). */
  owns(path: string): boolean;
  /** Answers a request for one of its paths. */
  serve(ex: Exchange, method: string, path: string, hostHeader: string | undefined): void;
}

/** `distDir` undefined: the console is not installed; its paths answer 404 saying so. */
export function createConsoleSite(distDir: string | undefined, runtime: () => ConsoleRuntime): ConsoleSite {
  let assets: Map<string, Asset> | undefined;
  return {
    owns: (p) => p === CONSOLE_PREFIX || p.startsWith(`${CONSOLE_PREFIX}/`),
    serve(ex, method, p, hostHeader) {
      const rt = runtime();
      const k2v = k2vOrigin(rt, hostHeader);
      const common = {
        'Content-Security-Policy': contentSecurityPolicy(k2v),
        'X-Content-Type-Options': 'nosniff',
        'Referrer-Policy': 'no-referrer',
        'Cross-Origin-Opener-Policy': 'same-origin',
        'Cross-Origin-Resource-Policy': 'same-origin',
        'X-Frame-Options': 'DENY',
      };
      const json = (status: number, body: unknown, extra: Record<string, string> = {}) => {
        const text = JSON.stringify(body);
        respond(ex, status, { ...common, ...extra, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store' }, method === 'HEAD' ? undefined : text);
      };
      if (method !== 'GET' && method !== 'HEAD') {
        json(405, { code: 'MethodNotAllowed', message: `the console's files are read with GET, not ${method}`, path: p }, { Allow: 'GET, HEAD' });
        return;
      }
      if (p === CONSOLE_PREFIX) {
        respond(ex, 301, { ...common, Location: `${CONSOLE_PREFIX}/`, 'Content-Length': 0 });
        return;
      }
      if (distDir === undefined) {
        json(404, { code: 'NotFound', message: 'the web console is not installed: build packages/console (npm ci at the repository root builds it)', path: p });
        return;
      }
      const rel = p.slice(CONSOLE_PREFIX.length + 1);
      if (rel === 'config.json') {
        json(200, { k2vEndpoint: k2v ?? null, region: rt.region });
        return;
      }
      assets ??= readAssets(distDir);
      const asset = assets.get(rel === '' ? 'index.html' : rel);
      if (asset === undefined) {
        json(404, { code: 'NotFound', message: 'no such file in the web console', path: p });
        return;
      }
      respond(
        ex,
        200,
        {
          ...common,
          'Content-Type': asset.type,
          'Content-Length': asset.body.byteLength,
          'Cache-Control': asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
        },
        method === 'HEAD' ? undefined : asset.body,
      );
    },
  };
}
