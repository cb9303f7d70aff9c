/**
 * TLS from the settings table on the real binary: `[k2v_server] k2v_tls_cert_file` /
 * `k2v_tls_key_file` in the file, the admin pair from the environment, the printed endpoints in
 * https, a signed K2V write and read and the admin API over HTTPS with the test's certificate;
 * half a pair is refused at start with one line naming the key.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import aws4 from 'aws4';
import { spawnCli, type Cli } from './support-process.js';
import { waitExports } from './support-first-run.js';
import { makeCert } from './support-tls.js';

const haveOpenssl = spawnSync('openssl', ['version']).status === 0;
const skip = haveOpenssl ? false : 'openssl is not installed: no certificate for the TLS tests';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'k2v-tls-settings-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));

function httpsSend(url: string, ca: string, req: { method: string; path: string; headers?: Record<string, string>; body?: string }): Promise<{ status: number; body: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const r = https.request({ hostname: u.hostname, port: Number(u.port), method: req.method, path: req.path, headers: req.headers, ca, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    r.on('error', reject);
    r.end(req.body);
  });
}

function signed(url: string, creds: { AWS_REGION: string; AWS_ACCESS_KEY_ID: string; AWS_SECRET_ACCESS_KEY: string }, method: string, p: string, body?: string): Record<string, string> {
  const host = new URL(url).host;
  const extra = body === undefined ? {} : { 'content-type': 'application/octet-stream' };
  const s = aws4.sign(
    { host, method, path: p, service: 'k2v', region: creds.AWS_REGION, headers: extra, body: body ?? '' },
    { accessKeyId: creds.AWS_ACCESS_KEY_ID, secretAccessKey: creds.AWS_SECRET_ACCESS_KEY },
  );
  const headers: Record<string, string> = { host };
  for (const [k, v] of Object.entries(s.headers ?? {})) headers[k.toLowerCase()] = String(v);
  return headers;
}

async function stop(cli: Cli): Promise<void> {
  cli.child.kill('SIGTERM');
  assert.equal(await cli.exited, 0, cli.stderr());
}

describe('TLS settings', { skip }, () => {
  test('certificates from the file and the environment: both listeners serve HTTPS', async () => {
    const k2vCert = makeCert(root, 'k2v');
    const adminCert = makeCert(root, 'admin');
    const config = path.join(root, 'tls.toml');
    fs.writeFileSync(
      config,
      `metadata_dir = "${path.join(root, 'data')}"\n[k2v_api]\napi_bind_addr = "127.0.0.1:0"\n[admin]\napi_bind_addr = "127.0.0.1:0"\n` +
        `[k2v_server]\nk2v_tls_cert_file = "${k2vCert.certFile}"\nk2v_tls_key_file = "${k2vCert.keyFile}"\n`,
    );
    const cli = spawnCli(['server', '-c', config], { K2V_ADMIN_TLS_CERT_FILE: adminCert.certFile, K2V_ADMIN_TLS_KEY_FILE: adminCert.keyFile });
    try {
      const creds = await waitExports(cli);
      assert.match(creds.K2V_ENDPOINT, /^https:\/\/127\.0\.0\.1:\d+$/);
      const adminEndpoint = (cli.stderr().match(/^export K2V_ADMIN_ENDPOINT=(.*)$/m) ?? [])[1] ?? '';
      assert.match(adminEndpoint, /^https:\/\/127\.0\.0\.1:\d+$/);

      const p = `/${creds.K2V_BUCKET}/tls-pk?sort_key=s`;
      const put = await httpsSend(creds.K2V_ENDPOINT, k2vCert.pem, { method: 'PUT', path: p, headers: signed(creds.K2V_ENDPOINT, creds, 'PUT', p, 'over tls'), body: 'over tls' });
      assert.equal(put.status, 204, put.body);
      const get = await httpsSend(creds.K2V_ENDPOINT, k2vCert.pem, { method: 'GET', path: p, headers: { ...signed(creds.K2V_ENDPOINT, creds, 'GET', p), accept: 'application/octet-stream' } });
      assert.deepEqual(get, { status: 200, body: 'over tls' });

      const keys = await httpsSend(adminEndpoint, adminCert.pem, { method: 'GET', path: '/v2/ListKeys', headers: { authorization: `Bearer ${creds.K2V_ADMIN_TOKEN}` } });
      assert.equal(keys.status, 200, keys.body);
      // The admin listener's certificate is its own: the K2V one does not verify it.
      await assert.rejects(httpsSend(adminEndpoint, k2vCert.pem, { method: 'GET', path: '/health' }));
    } finally {
      await stop(cli);
    }
  });

  const halves: [string, string[], Record<string, string>, RegExp][] = [
    ['a certificate without its key in the file', ['-c', 'FILE'], {}, /^k2v: .*: \[k2v_server\] k2v_tls_cert_file: needs its pair, \[k2v_server\] k2v_tls_key_file \(K2V_K2V_TLS_KEY_FILE or --k2v-tls-key-file\)/],
    ['a key without its certificate from a flag', ['--admin-tls-key-file', '/tmp/x.key'], {}, /^k2v: --admin-tls-key-file: needs its pair, \[k2v_server\] admin_tls_cert_file \(K2V_ADMIN_TLS_CERT_FILE or --admin-tls-cert-file\)/],
    ['a certificate without its key from the environment', [], { K2V_ADMIN_TLS_CERT_FILE: '/tmp/x.crt' }, /^k2v: environment variable K2V_ADMIN_TLS_CERT_FILE: needs its pair/],
  ];
  for (const [what, args, env, pattern] of halves) {
    test(`refused at start: ${what}`, async () => {
      const data = path.join(root, `half-${what.length}`);
      const file = path.join(root, 'half.toml');
      fs.writeFileSync(file, `[k2v_server]\nk2v_tls_cert_file = "/tmp/x.crt"\n`);
      const cli = spawnCli(['server', '--data-dir', data, '--k2v-bind', '127.0.0.1:0', '--admin-bind', '127.0.0.1:0', ...args.map((a) => (a === 'FILE' ? file : a))], env);
      assert.equal(await cli.exited, 1);
      const lines = cli.stderr().split('\n').filter((l) => l !== '');
      assert.equal(lines.length, 1, cli.stderr());
      assert.match(lines[0]!, pattern);
      assert.ok(!fs.existsSync(data), 'nothing started');
    });
  }
});
