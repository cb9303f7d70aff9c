/**
 * HTTPS and HTTP/2 on the TLS listeners, with certificates made here by openssl: requests signed
 * by aws4 over HTTP/1.1 and HTTP/2 (`:authority` stands for the signed Host), curl --http2 and
 * --http1.1 signing with its own SigV4, two long polls on one HTTP/2 connection as independent
 * streams, a certificate reload that keeps open connections, HTTP/2's own guards (header size),
 * metrics after HTTP/2 traffic, and an admin listener on TLS.
 */
import { tcpAddress } from '../../src/server/running-server.js';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import http2 from 'node:http2';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import aws4 from 'aws4';
import type { TlsFiles } from '../../src/config/config.js';
import { DEFAULT_CONNECTION_LIMITS } from '../../src/config/limits.js';
import { b64, enc, startTestServer, uniquePk, type TestServer } from './harness.js';
import { eventually, openWaiters, within } from './support-http.js';
import { makeCert, type Cert } from './support-tls.js';

const haveOpenssl = spawnSync('openssl', ['version']).status === 0;
const skip = haveOpenssl ? false : 'openssl is not installed: no certificate for the TLS tests';

interface Reply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
}

/** aws4-signed headers for a request to 127.0.0.1:port (the signed host is that authority). */
function sign(ts: TestServer, port: number, method: string, p: string, body: Buffer | undefined, extra: Record<string, string> = {}): Record<string, string> {
  // doNotModifyHeaders (no form Content-Type added) also leaves X-Amz-Date to the caller.
  const amzDate = new Date().toISOString().replace(/[:-]|\.\d{3}/g, '');
  const signer = new aws4.RequestSigner(
    {
      method,
      path: p,
      host: `127.0.0.1:${port}`,
      headers: { host: `127.0.0.1:${port}`, 'x-amz-date': amzDate, ...extra, ...(body === undefined ? {} : { 'content-length': String(body.length) }) },
      service: 'k2v',
      region: ts.config.region,
      body: body ?? '',
      doNotModifyHeaders: true,
    },
    { accessKeyId: ts.keyId, secretAccessKey: ts.secret },
  );
  signer.datetime = amzDate;
  signer.sign();
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(signer.request.headers ?? {})) if (v !== undefined) out[k.toLowerCase()] = String(v);
  return out;
}

/** One request on an HTTP/2 session: Host becomes `:authority`, as every HTTP/2 client sends it. */
function h2request(session: http2.ClientHttp2Session, method: string, p: string, headers: Record<string, string>, body?: Buffer): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const { host, ...rest } = headers;
    const req = session.request({ ':method': method, ':path': p, ':authority': host ?? '', ...rest });
    const chunks: Buffer[] = [];
    let head: http2.IncomingHttpHeaders & http2.IncomingHttpStatusHeader = {};
    req.on('response', (h) => (head = h));
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve({ status: Number(head[':status']), headers: head, body: Buffer.concat(chunks) }));
    req.on('error', reject);
    req.end(body);
  });
}

function h1request(port: number, ca: string, method: string, p: string, headers: Record<string, string>, body?: Buffer): Promise<Reply & { version: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port, method, path: p, headers, ca, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), version: res.httpVersion }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The certificate a fresh TLS connection is served. */
function servedFingerprint(port: number, ca: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port, ca, ALPNProtocols: ['h2'] }, () => {
      const fp = s.getPeerX509Certificate()?.fingerprint256 ?? '';
      s.end();
      resolve(fp);
    });
    s.on('error', reject);
  });
}

function curl(args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('curl', ['-s', '-S', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve({ code, out }) : reject(new Error(`curl exited ${code}: ${err}`))));
  });
}

describe('K2V over HTTPS: HTTP/1.1 and HTTP/2', { skip }, () => {
  let dir: string;
  let first: Cert;
  let files: TlsFiles;
  let ts: TestServer;
  const port = () => tcpAddress(ts.server.k2v).port;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'k2v-tls-'));
    first = makeCert(dir, 'first');
    // The server reads these paths; the reload test writes another pair over them.
    files = { certFile: path.join(dir, 'server.crt'), keyFile: path.join(dir, 'server.key') };
    await copyFile(first.certFile, files.certFile);
    await copyFile(first.keyFile, files.keyFile);
    ts = await startTestServer({ k2vTls: files });
  });

  after(async () => {
    await ts?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test('HTTP/1.1 over TLS: InsertItem and ReadItem signed by aws4', async () => {
    const pk = uniquePk('tls-h1');
    const p = `/${ts.bucket}/${enc(pk)}?sort_key=a`;
    const value = Buffer.from('over https');
    const put = await h1request(port(), first.pem, 'PUT', p, sign(ts, port(), 'PUT', p, value), value);
    assert.equal(put.status, 204, put.body.toString());
    assert.equal(put.version, '1.1');
    const get = await h1request(port(), first.pem, 'GET', p, sign(ts, port(), 'GET', p, undefined, { accept: 'application/octet-stream' }));
    assert.equal(get.status, 200);
    assert.equal(get.body.toString(), 'over https');
    assert.equal(get.headers['content-type'], 'application/octet-stream');
    assert.equal(typeof get.headers['x-garage-causality-token'], 'string');
  });

  test('HTTP/2: items, batches, errors, the signature checked against :authority', async () => {
    const session = http2.connect(`https://127.0.0.1:${port()}`, { ca: first.pem });
    try {
      const pk = uniquePk('tls-h2');
      const p = `/${ts.bucket}/${enc(pk)}?sort_key=a`;
      const value = Buffer.from('over h2');
      const put = await h2request(session, 'PUT', p, sign(ts, port(), 'PUT', p, value), value);
      assert.equal(put.status, 204, put.body.toString());
      assert.equal(session.alpnProtocol, 'h2');
      const get = await h2request(session, 'GET', p, sign(ts, port(), 'GET', p, undefined));
      assert.equal(get.status, 200);
      assert.deepEqual(JSON.parse(get.body.toString()), [b64('over h2')]);
      assert.equal(get.headers['content-type'], 'application/json');
      assert.equal(get.headers['connection'], undefined);

      const batch = Buffer.from(JSON.stringify([{ pk, sk: 'b', ct: null, v: b64('batched') }]));
      const ins = await h2request(session, 'POST', `/${ts.bucket}`, sign(ts, port(), 'POST', `/${ts.bucket}`, batch), batch);
      assert.equal(ins.status, 204, ins.body.toString());
      const query = Buffer.from(JSON.stringify([{ partitionKey: pk }]));
      const rb = await h2request(session, 'POST', `/${ts.bucket}?search`, sign(ts, port(), 'POST', `/${ts.bucket}?search`, query), query);
      assert.equal(rb.status, 200, rb.body.toString());
      const items = (JSON.parse(rb.body.toString()) as { items: { sk: string }[] }[])[0]?.items.map((i) => i.sk);
      assert.deepEqual(items, ['a', 'b']);

      // The contract's errors, byte for byte the same JSON as on HTTP/1.1.
      const missing = `/${ts.bucket}/${enc(pk)}?sort_key=none`;
      const nf = await h2request(session, 'GET', missing, sign(ts, port(), 'GET', missing, undefined));
      assert.equal(nf.status, 404);
      assert.equal(nf.body.toString(), JSON.stringify({ code: 'NoSuchKey', message: 'Key not found', region: 'garage', path: `/${ts.bucket}/${enc(pk)}` }));
      // A signature made for another authority is refused: :authority is what is checked.
      const wrongHost = { ...sign(ts, port(), 'GET', p, undefined), host: `localhost:${port()}` };
      const denied = await h2request(session, 'GET', p, wrongHost);
      assert.equal(denied.status, 403);
      assert.equal(JSON.parse(denied.body.toString()).code, 'AccessDenied');
      // Too large a body: 413, and the connection (other streams) stays usable.
      const big = Buffer.alloc(ts.config.limits.maxValueBytes + 1, 1);
      const tooBig = await h2request(session, 'PUT', p, sign(ts, port(), 'PUT', p, big), big);
      assert.equal(tooBig.status, 413);
      assert.equal(tooBig.headers['connection'], undefined);
      assert.equal((await h2request(session, 'GET', p, sign(ts, port(), 'GET', p, undefined))).status, 200, 'the session survives');
      // Headers over the limit: node resets the stream (ENHANCE_YOUR_CALM) when it counts them
      // over the advertised SETTINGS_MAX_HEADER_LIST_SIZE; what it lets through gets 431 JSON.
      const fat = sign(ts, port(), 'GET', p, undefined, { 'x-padding': 'x'.repeat(ts.config.connections.maxHeaderBytes) });
      const refused = await h2request(session, 'GET', p, fat).catch((e: Error) => e);
      if (refused instanceof Error) assert.match(refused.message, /ENHANCE_YOUR_CALM/);
      else {
        assert.equal(refused.status, 431);
        assert.equal(JSON.parse(refused.body.toString()).code, 'InvalidRequest');
      }
      assert.equal((await h2request(session, 'GET', p, sign(ts, port(), 'GET', p, undefined))).status, 200, 'the session survives');
    } finally {
      session.close();
    }
  });

  test('two long polls on one HTTP/2 connection are independent streams', async () => {
    const session = http2.connect(`https://127.0.0.1:${port()}`, { ca: first.pem });
    try {
      const pk = uniquePk('tls-polls');
      const tokens: Record<string, string> = {};
      for (const sk of ['x', 'y']) {
        const p = `/${ts.bucket}/${enc(pk)}?sort_key=${sk}`;
        const v = Buffer.from(`${sk}0`);
        assert.equal((await h2request(session, 'PUT', p, sign(ts, port(), 'PUT', p, v), v)).status, 204);
        const r = await h2request(session, 'GET', p, sign(ts, port(), 'GET', p, undefined));
        tokens[sk] = String(r.headers['x-garage-causality-token']);
      }
      const pollPath = (sk: string) => `/${ts.bucket}/${enc(pk)}?sort_key=${sk}&causality_token=${tokens[sk]}&timeout=20`;
      const pollX = h2request(session, 'GET', pollPath('x'), sign(ts, port(), 'GET', pollPath('x'), undefined));
      const pollY = h2request(session, 'GET', pollPath('y'), sign(ts, port(), 'GET', pollPath('y'), undefined));
      let yDone = false;
      void pollY.then(() => (yDone = true));
      await eventually(async () => (await openWaiters(ts.server)) === 2, 10_000, 'both polls held');

      const px = `/${ts.bucket}/${enc(pk)}?sort_key=x`;
      const v = Buffer.from('x1');
      assert.equal((await h2request(session, 'PUT', px, sign(ts, port(), 'PUT', px, v, { 'x-garage-causality-token': tokens['x']! }), v)).status, 204);
      const woken = await within(pollX, 10_000, 'poll x');
      assert.equal(woken.status, 200);
      assert.deepEqual(JSON.parse(woken.body.toString()), [b64('x1')]);
      assert.equal(yDone, false, 'the other poll still waits');
      assert.equal(await openWaiters(ts.server), 1);

      const py = `/${ts.bucket}/${enc(pk)}?sort_key=y`;
      const w = Buffer.from('y1');
      assert.equal((await h2request(session, 'PUT', py, sign(ts, port(), 'PUT', py, w, { 'x-garage-causality-token': tokens['y']! }), w)).status, 204);
      assert.deepEqual(JSON.parse((await within(pollY, 10_000, 'poll y')).body.toString()), [b64('y1')]);
    } finally {
      session.close();
    }
  });

  test('curl --http2 and --http1.1 with its own SigV4 against the TLS listener', async () => {
    const pk = uniquePk('tls-curl');
    const common = ['--cacert', files.certFile, '--aws-sigv4', 'aws:amz:garage:k2v', '--user', `${ts.keyId}:${ts.secret}`];
    for (const [flag, version] of [['--http2', '2'], ['--http1.1', '1.1']] as const) {
      const url = `https://127.0.0.1:${port()}/${ts.bucket}/${pk}?sort_key=v${version}`;
      const put = await curl([...common, flag, '-X', 'PUT', '--data-binary', `by curl ${version}`, '-o', '/dev/null', '-w', '%{http_version} %{http_code}', url]);
      assert.equal(put.out, `${version} 204`);
      const get = await curl([...common, flag, '-H', 'accept: application/octet-stream', '-w', '\n%{http_version} %{http_code}', url]);
      assert.equal(get.out, `by curl ${version}\n${version} 200`);
    }
    // Over the header limit: the contract's 431 JSON on both protocols (curl ignores the
    // advertised HTTP/2 header list size, node:http2's client does not: see the test above).
    const fat = `x-padding: ${'x'.repeat(ts.config.connections.maxHeaderBytes)}`;
    const url = `https://127.0.0.1:${port()}/${ts.bucket}/${pk}?sort_key=v2`;
    for (const [flag, version] of [['--http2', '2'], ['--http1.1', '1.1']] as const) {
      const big = await curl([...common, flag, '-H', fat, '-w', '\n%{http_version} %{http_code}', url]);
      const [body, status] = big.out.split('\n');
      assert.equal(status, `${version} 431`);
      assert.equal(JSON.parse(body ?? '').code, 'InvalidRequest');
    }
  });

  test('metrics count HTTP/2 requests like the others', async () => {
    const res = await ts.admin('GET', '/metrics');
    assert.equal(res.status, 200);
    const line = res.text().split('\n').find((l) => l.startsWith('api_k2v_request_counter{api_endpoint="PollItem"}'));
    assert.equal(line, 'api_k2v_request_counter{api_endpoint="PollItem"} 2');
    assert.match(res.text(), /^k2v_open_connections\{listener="k2v"\} \d+$/m);
  });

  test('reload: new connections get the new certificate, an open one keeps working', async () => {
    const session = http2.connect(`https://127.0.0.1:${port()}`, { ca: first.pem });
    const pk = uniquePk('tls-reload');
    const p = `/${ts.bucket}/${enc(pk)}?sort_key=r`;
    try {
      const v = Buffer.from('before');
      assert.equal((await h2request(session, 'PUT', p, sign(ts, port(), 'PUT', p, v), v)).status, 204);
      assert.equal(await servedFingerprint(port(), [first.pem]), first.fingerprint);

      // A broken pair is refused and the old one stays.
      await writeFile(files.keyFile, 'not a key');
      await assert.rejects(ts.server.reloadTls());
      assert.equal(await servedFingerprint(port(), [first.pem]), first.fingerprint);

      const second = makeCert(dir, 'second');
      await copyFile(second.certFile, files.certFile);
      await copyFile(second.keyFile, files.keyFile);
      await ts.server.reloadTls();
      assert.equal(await servedFingerprint(port(), [second.pem]), second.fingerprint);

      // The connection opened before the reload was not dropped.
      assert.equal(session.closed || session.destroyed, false);
      const get = await h2request(session, 'GET', p, sign(ts, port(), 'GET', p, undefined));
      assert.equal(get.status, 200);
      assert.deepEqual(JSON.parse(get.body.toString()), [b64('before')]);
    } finally {
      session.close();
    }
  });
});

describe('HTTP/2 request timeout (1 s here)', { skip }, () => {
  let dir: string;
  let cert: Cert;
  let ts: TestServer;
  const port = () => tcpAddress(ts.server.k2v).port;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'k2v-tls-timeout-'));
    cert = makeCert(dir, 'timeouts');
    ts = await startTestServer({
      k2vTls: { certFile: cert.certFile, keyFile: cert.keyFile },
      connections: { ...DEFAULT_CONNECTION_LIMITS, headersTimeoutMs: 1_000, requestTimeoutMs: 1_000 },
    });
  });

  after(async () => {
    await ts?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test('a long poll outlives it (its request was complete with its headers); a body that stalls gets 408', async () => {
    const session = http2.connect(`https://127.0.0.1:${port()}`, { ca: cert.pem });
    try {
      const pk = uniquePk('h2-timeouts');
      const p = `/${ts.bucket}/${enc(pk)}?sort_key=t`;
      const v = Buffer.from('v');
      assert.equal((await h2request(session, 'PUT', p, sign(ts, port(), 'PUT', p, v), v)).status, 204);
      const token = String((await h2request(session, 'GET', p, sign(ts, port(), 'GET', p, undefined))).headers['x-garage-causality-token']);
      const poll = `${p}&causality_token=${token}&timeout=2`;
      const idle = await within(h2request(session, 'GET', poll, sign(ts, port(), 'GET', poll, undefined)), 10_000, 'poll');
      assert.equal(idle.status, 304, 'the poll timed out by its own timeout, not by the request timeout');

      // Half a body, then nothing: 408 with the contract's JSON on that stream.
      const body = Buffer.from('0123456789');
      const headers = sign(ts, port(), 'PUT', p, body);
      const { host, ...rest } = headers;
      const stalled = await within(
        new Promise<Reply>((resolve, reject) => {
          const req = session.request({ ':method': 'PUT', ':path': p, ':authority': host ?? '', ...rest });
          const chunks: Buffer[] = [];
          let head: http2.IncomingHttpHeaders & http2.IncomingHttpStatusHeader = {};
          req.on('response', (h) => (head = h));
          req.on('data', (c: Buffer) => chunks.push(c));
          req.on('end', () => resolve({ status: Number(head[':status']), headers: head, body: Buffer.concat(chunks) }));
          req.on('error', reject);
          req.write(body.subarray(0, 5));
        }),
        10_000,
        'stalled upload',
      );
      assert.equal(stalled.status, 408);
      assert.equal(JSON.parse(stalled.body.toString()).code, 'InvalidRequest');

      // CONNECT on HTTP/2 is a stream of its own: 400 JSON, the connection stays.
      const connect = await new Promise<number>((resolve, reject) => {
        const req = session.request({ ':method': 'CONNECT', ':authority': 'example.com:443' });
        req.on('response', (h) => resolve(Number(h[':status'])));
        req.on('error', reject);
        req.end();
      });
      assert.equal(connect, 400);
      assert.equal((await h2request(session, 'GET', p, sign(ts, port(), 'GET', p, undefined))).status, 200, 'the session survives');
    } finally {
      session.destroy();
    }
  });
});

describe('admin listener over HTTPS', { skip }, () => {
  test('/health and /metrics by HTTP/2 and HTTP/1.1', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'k2v-tls-admin-'));
    const cert = makeCert(dir, 'admin');
    // The harness sets up its key and bucket through a plain admin API: start one without it.
    const { startServer } = await import('../../src/server/server.js');
    const { DEFAULT_CONFIG } = await import('../../src/config/config.js');
    const server = await startServer({
      ...DEFAULT_CONFIG,
      dataDir: path.join(dir, 'data'),
      k2vBind: '127.0.0.1:0',
      adminBind: '127.0.0.1:0',
      logLevel: 'silent',
      adminTls: { certFile: cert.certFile, keyFile: cert.keyFile },
    });
    try {
      const session = http2.connect(`https://127.0.0.1:${tcpAddress(server.admin).port}`, { ca: cert.pem });
      try {
        const health = await h2request(session, 'GET', '/health', { host: `127.0.0.1:${tcpAddress(server.admin).port}` });
        assert.equal(health.status, 200);
        assert.equal(health.body.toString(), 'K2V server is fully operational\n');
        const metrics = await h2request(session, 'GET', '/metrics', { host: `127.0.0.1:${tcpAddress(server.admin).port}` });
        assert.equal(metrics.status, 200);
        assert.match(metrics.body.toString(), /api_admin_request_counter\{api_endpoint="Health"\} 1/);
      } finally {
        session.close();
      }
      const h1 = await h1request(tcpAddress(server.admin).port, cert.pem, 'GET', '/health', { host: `127.0.0.1:${tcpAddress(server.admin).port}` });
      assert.equal(h1.status, 200);
      assert.equal(h1.version, '1.1');
      // Plain HTTP on a TLS port is not served.
      const plain = await curl(['-o', '/dev/null', '-w', '%{http_code}', `http://127.0.0.1:${tcpAddress(server.admin).port}/health`]).catch((e: Error) => e);
      assert.ok(plain instanceof Error || plain.out !== '200', 'no plain-text answer');
    } finally {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
