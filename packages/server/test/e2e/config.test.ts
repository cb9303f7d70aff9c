/**
 * The configuration file on the real binary: the product page's garage.toml pasted as it is
 * starts a working server (on [::]:3902, IPv6 and IPv4), `--check-config` resolves and masks,
 * every bad configuration is exit 1 with one line naming the key, and both listeners on Unix
 * sockets (a stale socket removed at start, the sockets removed at shutdown).
 *
 * LMDB only (test/support/e2e-on-postgres.ts LMDB_ONLY): the binary's LMDB configuration (--data-dir).
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PRODUCT_PAGE_CONFIG } from '../config/support.js';
import { freePort, spawnCli, type Cli } from './support-process.js';
import { send, waitExports, writeThenRead } from './support-first-run.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'k2v-config-e2e-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));
let n = 0;
function file(content: string, mode = 0o600): string {
  const p = path.join(root, `f${n++}`);
  fs.writeFileSync(p, content, { mode });
  fs.chmodSync(p, mode);
  return p;
}
const dataDir = () => path.join(root, `data${n++}`);

async function stop(cli: Cli): Promise<void> {
  cli.child.kill('SIGTERM');
  assert.equal(await cli.exited, 0, cli.stderr());
}

function hasIpv6Loopback(): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(0, '::1', () => s.close(() => resolve(true)));
  });
}

describe('the product page configuration, as it is', () => {
  test('starts a working server on [::]:3902: the first run block works over IPv4 and IPv6', async () => {
    const config = file(PRODUCT_PAGE_CONFIG);
    // Only what the file leaves to defaults or puts under /var/lib is overridden (flags win).
    const cli = spawnCli(['server', '-c', config, '--data-dir', dataDir(), '--admin-bind', `127.0.0.1:${await freePort()}`]);
    try {
      const creds = await waitExports(cli);
      assert.equal(creds.K2V_ENDPOINT, 'http://127.0.0.1:3902', 'a wildcard address is printed as loopback');
      await writeThenRead({ url: creds.K2V_ENDPOINT }, creds, 'v4', 'over IPv4');
      if (await hasIpv6Loopback()) await writeThenRead({ url: 'http://[::1]:3902' }, creds, 'v6', 'over IPv6');
      const lines = cli.stdout().split('\n').filter((l) => l.includes('Garage settings that do not apply'));
      assert.equal(lines.length, 1, 'the ignored keys are listed once');
      assert.deepEqual((JSON.parse(lines[0]!) as { ignored: string[] }).ignored, ['data_dir', 'replication_factor', 'rpc_secret', '[s3_api] api_bind_addr']);
      assert.ok(!cli.stdout().includes('your-rpc-secret'));
      assert.match(cli.stdout(), /"k2v":"\[::\]:3902"/);
    } finally {
      await stop(cli);
    }
  });

  test('--check-config: the file alone puts the data in /var/lib/garage/meta, and writes nothing', async () => {
    const existed = fs.existsSync('/var/lib/garage/meta');
    const cli = spawnCli(['server', '--check-config', '-c', file(PRODUCT_PAGE_CONFIG)]);
    assert.equal(await cli.exited, 0, cli.stderr());
    const out = cli.stdout();
    assert.match(out, /^metadata_dir = "\/var\/lib\/garage\/meta" {2}# file$/m);
    assert.match(out, /^db_engine = "lmdb" {2}# file$/m);
    assert.match(out, /^\[k2v_api\]\napi_bind_addr = "\[::\]:3902" {2}# file$/m);
    assert.match(out, /^\[s3_api\]\ns3_region = "garage" {2}# file$/m);
    assert.match(out, /^# ignored Garage settings: data_dir, replication_factor, rpc_secret, \[s3_api\] api_bind_addr$/m);
    assert.equal(fs.existsSync('/var/lib/garage/meta'), existed);
  });
});

describe('a bad configuration is refused at start: exit 1, one line naming the key and why', () => {
  const openToken = file('tok\n', 0o644);
  const cases: [string, string, RegExp][] = [
    // (line 2: the test puts metadata_dir on line 1)
    ['TOML syntax', '[k2v_api\napi_bind_addr = "[::]:3902"\n', /^k2v: .*:2:\d+: TOML syntax error: /],
    ['unknown key in [k2v_server]', '[k2v_server]\nmax_conections = 10\n', /^k2v: .*: \[k2v_server\] max_conections: unknown key/],
    ['wrong type', '[k2v_server]\nmax_connections = "10"\n', /^k2v: .*: \[k2v_server\] max_connections: expected a whole number, got the string "10"$/],
    ['unreadable token file', '[admin]\nadmin_token_file = "/nonexistent/admin-token"\n', /^k2v: .*: \[admin\] admin_token_file: cannot read \/nonexistent\/admin-token: no such file$/],
    ['world-readable token file', `[admin]\nadmin_token_file = "${openToken}"\n`, /^k2v: .*: \[admin\] admin_token_file: .* can be read by group or others \(mode 0644\)/],
    ['db_engine postgres without postgres_url', 'db_engine = "postgres"\n', /^k2v: .*: db_engine: "postgres" needs a PostgreSQL URL \(postgres_url, K2V_POSTGRES_URL or --postgres-url\)$/],
    ['db_engine sqlite', 'db_engine = "sqlite"\n', /^k2v: .*: db_engine: SQLite is a Garage engine that K2V does not have/],
  ];
  for (const [what, text, pattern] of cases) {
    test(what, async () => {
      const data = dataDir();
      const cli = spawnCli(['server', '-c', file(`metadata_dir = "${data}"\n${text}`), '--k2v-bind', '127.0.0.1:0', '--admin-bind', '127.0.0.1:0']);
      assert.equal(await cli.exited, 1);
      const lines = cli.stderr().split('\n').filter((l) => l !== '');
      assert.equal(lines.length, 1, cli.stderr());
      assert.match(lines[0]!, pattern);
      assert.equal(cli.stdout(), '', 'nothing started, nothing logged');
      assert.ok(!fs.existsSync(data), 'the data dir was not created');
    });
  }

  test('--check-config fails the same way', async () => {
    const cli = spawnCli(['server', '--check-config', '-c', file('[k2v_server]\nlog_level = "loud"\n')]);
    assert.equal(await cli.exited, 1);
    assert.match(cli.stderr(), /^k2v: .*: \[k2v_server\] log_level: expected one of "fatal", .*, got "loud"\n$/);
  });
});

test('--check-config masks every secret, wherever it came from', async () => {
  const metricsFile = file('metrics-secret-value\n');
  const config = file(`metadata_dir = "${dataDir()}"\n[admin]\nadmin_token = "admin-secret-value"\nmetrics_token_file = "${metricsFile}"\n`);
  const fromFile = spawnCli(['server', '--check-config', '-c', config]);
  assert.equal(await fromFile.exited, 0, fromFile.stderr());
  const fromEnv = spawnCli(['server', '--check-config', '-c', config, '--metrics-token', 'flag-secret-value'], { K2V_ADMIN_TOKEN: 'env-secret-value' });
  assert.equal(await fromEnv.exited, 0, fromEnv.stderr());
  for (const out of [fromFile.stdout(), fromEnv.stdout()]) {
    assert.ok(!/secret-value/.test(out), out);
    assert.match(out, /^admin_token = "\*{8}"/m);
    assert.match(out, /^metrics_token = "\*{8}"/m);
  }
  assert.match(fromFile.stdout(), /^metrics_token_file = ".*" {2}# file$/m);
  assert.match(fromEnv.stdout(), /^admin_token = "\*{8}" {2}# env$/m);
  assert.match(fromEnv.stdout(), /^metrics_token = "\*{8}" {2}# flag$/m);
});

describe('Unix sockets', () => {
  test('both listeners on sockets: a stale socket is replaced, requests work, the sockets go at shutdown', async () => {
    const dir = fs.mkdtempSync(path.join(root, 'sock-'));
    const k2vSock = path.join(dir, 'k2v.sock');
    const adminSock = path.join(dir, 'admin.sock');
    // What a SIGKILLed server leaves behind: a socket file nobody listens on.
    const crashed = spawn(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(k2vSock)}, () => console.log('up'))`], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise((r) => crashed.stdout.once('data', r));
    crashed.kill('SIGKILL');
    await new Promise((r) => crashed.once('exit', r));
    assert.ok(fs.lstatSync(k2vSock).isSocket(), 'stale socket left');

    const config = file(`metadata_dir = "${path.join(dir, 'data')}"\n[k2v_api]\napi_bind_addr = "${k2vSock}"\n[admin]\napi_bind_addr = "${adminSock}"\n`);
    const cli = spawnCli(['server', '-c', config]);
    try {
      const creds = await waitExports(cli);
      assert.equal(creds.K2V_ENDPOINT, `http+unix://${k2vSock}`);
      assert.equal(fs.statSync(k2vSock).mode & 0o777, 0o222, 'K2V socket: Garage mode');
      assert.equal(fs.statSync(adminSock).mode & 0o777, 0o220, 'admin socket: Garage mode');
      await writeThenRead({ socketPath: k2vSock }, creds, 'over-unix', 'over a Unix socket');
      const health = await send({ socketPath: adminSock }, { method: 'GET', path: '/health' });
      assert.equal(health.status, 200);
      const keys = await send({ socketPath: adminSock }, { method: 'GET', path: '/v1/key', headers: { authorization: `Bearer ${creds.K2V_ADMIN_TOKEN}` } });
      assert.equal(keys.status, 200, keys.body);
      assert.match(cli.stdout(), new RegExp(`"k2v":"${k2vSock}"`));
    } finally {
      await stop(cli);
    }
    assert.ok(!fs.existsSync(k2vSock) && !fs.existsSync(adminSock), 'sockets removed at shutdown');
  });

  test('a socket another server answers on is in use; a file that is not a socket is not ours to remove', async () => {
    const dir = fs.mkdtempSync(path.join(root, 'sock-'));
    const live = path.join(dir, 'live.sock');
    const holder = net.createServer().listen(live);
    await new Promise((r) => holder.once('listening', r));
    try {
      const cli = spawnCli(['server', '--data-dir', path.join(dir, 'd1'), '--admin-token', 't', '--k2v-bind', live, '--admin-bind', '127.0.0.1:0']);
      assert.equal(await cli.exited, 1);
      assert.equal(cli.stderr(), `k2v: cannot listen for the K2V API on ${live}: the address is already in use\n`);
    } finally {
      holder.close();
    }
    const regular = file('not a socket');
    const cli = spawnCli(['server', '--data-dir', path.join(dir, 'd2'), '--admin-token', 't', '--k2v-bind', '127.0.0.1:0', '--admin-bind', regular]);
    assert.equal(await cli.exited, 1);
    assert.equal(cli.stderr(), `k2v: cannot listen for the admin API on ${regular}: a file that is not a socket is in the way\n`);
    assert.equal(fs.readFileSync(regular, 'utf8'), 'not a socket');
  });
});
