/**
 * The web console's site on the admin listener (src/admin/console-site.ts) and the K2V
 * listener's CORS for the console's origin (src/http/console-cors.ts): content types, the CSP,
 * no path outside the built files, JSON 404s, no token needed for the files; CORS answered to
 * the console's origin only, every other origin exactly as before (contract section 11).
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { describe, it } from 'node:test';
import { contentSecurityPolicy, createConsoleSite, findConsoleDist, hostOf, k2vOrigin } from '../../src/admin/console-site.js';
import { consoleOriginList } from '../../src/server/console-origins.js';
import { useTestServer } from './harness.js';

/** A console behind a reverse proxy: its origin is none of the admin listener's addresses. */
const PROXIED = 'https://k2v-admin.example.com';
const ts = useTestServer({ consoleOrigins: [PROXIED] });

function get(url: string, path: string, method = 'GET', headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, method, path, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the console site', () => {
  it('serves index.html at /console/ with a strict CSP naming the K2V listener, and redirects /console', async () => {
    assert.ok(findConsoleDist(), 'the console is built (npm ci builds it)');
    const r = await get(ts.adminUrl, '/console/');
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'text/html; charset=utf-8');
    const csp = String(r.headers['content-security-policy'] ?? '');
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self';/);
    assert.ok(csp.includes(`connect-src 'self' ${ts.k2vUrl};`), csp);
    assert.doesNotMatch(csp, /unsafe/);
    assert.equal(r.headers['x-content-type-options'], 'nosniff');
    assert.match(r.body, /<script type="module" crossorigin src="\/console\/assets\/index-[^"]+\.js"><\/script>/);
    const redirect = await get(ts.adminUrl, '/console');
    assert.equal(redirect.status, 301);
    assert.equal(redirect.headers.location, '/console/');
  });

  it('serves the hashed assets with their content types, and the run-time config', async () => {
    const index = await get(ts.adminUrl, '/console/');
    const js = /src="(\/console\/assets\/[^"]+\.js)"/.exec(index.body)![1]!;
    const css = /href="(\/console\/assets\/[^"]+\.css)"/.exec(index.body)![1]!;
    const a = await get(ts.adminUrl, js);
    assert.equal(a.status, 200);
    assert.equal(a.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.match(a.headers['cache-control'] ?? '', /immutable/);
    assert.equal((await get(ts.adminUrl, css)).headers['content-type'], 'text/css; charset=utf-8');
    const cfg = await get(ts.adminUrl, '/console/config.json');
    assert.deepEqual(JSON.parse(cfg.body), { k2vEndpoint: ts.k2vUrl, region: 'garage' });
  });

  it('no path reaches a file outside the build; unknown files and other methods are JSON errors', async () => {
    for (const p of ['/console/../package.json', '/console/%2e%2e/package.json', '/console/assets/../../package.json', '/console/..%2fpackage.json', '/console/nope.js', '/console//etc/passwd', '/console/index.html/']) {
      const r = await get(ts.adminUrl, p);
      assert.equal(r.status, 404, p);
      assert.equal(r.headers['content-type'], 'application/json', p);
      assert.equal((JSON.parse(r.body) as { code: string }).code, 'NotFound', p);
    }
    const post = await get(ts.adminUrl, '/console/', 'POST');
    assert.equal(post.status, 405);
    assert.equal(post.headers.allow, 'GET, HEAD');
  });

  it('without the console installed, /console/ is a 404 that says so', async () => {
    const site = createConsoleSite(undefined, () => ({ k2v: undefined, k2vTls: false, region: 'garage' }));
    const server = http.createServer((req, res) => site.serve({ req, res, extraHeaders: {} }, req.method ?? '', req.url ?? '', req.headers.host));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as { port: number };
      const r = await get(`http://127.0.0.1:${port}`, '/console/');
      assert.equal(r.status, 404);
      assert.match(r.body, /not installed/);
    } finally {
      server.close();
    }
  });

  it('a wildcard K2V bind uses the host the browser asked for, only when it is a plain name', () => {
    const rt = { k2v: { kind: 'tcp', host: '0.0.0.0', port: 3904 } as const, k2vTls: false, region: 'garage' };
    assert.equal(k2vOrigin(rt, 'k2v.example.com:3903'), 'http://k2v.example.com:3904');
    assert.equal(k2vOrigin(rt, '[::1]:3903'), 'http://[::1]:3904');
    assert.equal(k2vOrigin(rt, "evil; script-src 'unsafe-inline'"), undefined);
    assert.equal(hostOf('a b:1'), undefined);
    assert.equal(contentSecurityPolicy(undefined).includes("connect-src 'self';"), true);
    assert.deepEqual(consoleOriginList({ kind: 'tcp', host: '127.0.0.1', port: 3903 }, false), ['http://127.0.0.1:3903', 'http://localhost:3903']);
    assert.deepEqual(consoleOriginList({ kind: 'tcp', host: '::1', port: 3903 }, true), ['https://[::1]:3903', 'https://localhost:3903']);
  });
});

describe("the K2V listener's CORS for the console", () => {
  const preflight = (origin: string, bucket = ts.bucket) =>
    get(ts.k2vUrl, `/${bucket}/pk?sort_key=a`, 'OPTIONS', { origin, 'access-control-request-method': 'PUT', 'access-control-request-headers': 'authorization, x-amz-date, x-amz-content-sha256, x-garage-causality-token' });

  it('the console origin gets a preflight and response headers on every bucket', async () => {
    const origin = ts.adminUrl;
    const r = await preflight(origin);
    assert.equal(r.status, 200);
    assert.equal(r.headers['access-control-allow-origin'], origin);
    assert.match(String(r.headers['access-control-allow-headers']), /x-garage-causality-token/);
    const unsigned = await get(ts.k2vUrl, `/${ts.bucket}/pk?sort_key=a`, 'GET', { origin });
    assert.equal(unsigned.status, 403, 'requests still need a signature');
    assert.equal(unsigned.headers['access-control-allow-origin'], origin, 'errors readable by the console');
    assert.match(String(unsigned.headers['access-control-expose-headers']), /x-garage-causality-token/);
  });

  it('an origin of console_origins (a console behind a reverse proxy) is answered as the console', async () => {
    const r = await preflight(PROXIED);
    assert.equal(r.status, 200);
    assert.equal(r.headers['access-control-allow-origin'], PROXIED);
    const unsigned = await get(ts.k2vUrl, `/${ts.bucket}/pk?sort_key=a`, 'GET', { origin: PROXIED });
    assert.equal(unsigned.status, 403, 'requests still need a signature');
    assert.equal(unsigned.headers['access-control-allow-origin'], PROXIED);
  });

  it('another origin, or the admin host on another port, is answered as before', async () => {
    const other = new URL(ts.adminUrl);
    other.port = String(Number(other.port) === 65535 ? 1 : Number(other.port) + 1);
    for (const origin of ['http://evil.example', other.origin, ts.k2vUrl, 'http://k2v-admin.example.com']) {
      const r = await preflight(origin);
      assert.equal(r.status, 400, `${origin}: the bucket has no CORS rule`);
      assert.equal(r.headers['access-control-allow-origin'], undefined);
      const g = await get(ts.k2vUrl, `/${ts.bucket}/pk?sort_key=a`, 'GET', { origin });
      assert.equal(g.headers['access-control-allow-origin'], undefined, origin);
    }
  });
});
