/**
 * `k2v key …` / `k2v bucket …` find the admin API in the server's config file (`-c FILE` or
 * `K2V_CONFIG`) as `k2v server` reads it: `[admin] api_bind_addr` (a wildcard as loopback),
 * `admin_token`, `admin_token_file`, or the first run's token in the data dir; precedence
 * flag > environment > file; a bad file is one line naming the key.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generatedAdminTokenPath } from '../../src/config/data-dir-files.js';
import { tcpAddress } from '../../src/server/running-server.js';
import { useTestServer } from './harness.js';
import { runK2v, type Run } from './support-cli.js';

const ts = useTestServer();
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'k2v-cli-config-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));
let n = 0;

function file(content: string): string {
  const p = path.join(root, `f${n++}`);
  fs.writeFileSync(p, content, { mode: 0o600 });
  return p;
}

const port = (): number => tcpAddress(ts.server.admin).port;
/** No data dir of a server's: the generated-token lookup finds nothing. */
const noData = (): string => `metadata_dir = "${path.join(root, `none${n++}`)}"\n`;

function listsTheKey(r: Run): void {
  assert.equal(r.code, 0, r.stderr);
  const keys = JSON.parse(r.text()) as { id: string }[];
  assert.ok(keys.some((k) => k.id === ts.keyId), r.text());
}

describe('admin verbs read the config file', () => {
  test('-c FILE: [admin] api_bind_addr (wildcard as loopback) and admin_token', async () => {
    const config = file(`${noData()}[admin]\napi_bind_addr = "0.0.0.0:${port()}"\nadmin_token = "${ts.adminToken}"\n`);
    listsTheKey(await runK2v(['key', 'list', '--json', '-c', config]));
    const bucket = await runK2v(['bucket', 'info', ts.bucket, '--json', '--config', config]);
    assert.equal(bucket.code, 0, bucket.stderr);
    assert.equal((JSON.parse(bucket.text()) as { id: string }).id, ts.bucketId);
  });

  test('K2V_CONFIG, with admin_token_file', async () => {
    const tokenFile = file(`${ts.adminToken}\n`);
    const config = file(`${noData()}[admin]\napi_bind_addr = "127.0.0.1:${port()}"\nadmin_token_file = "${tokenFile}"\n`);
    listsTheKey(await runK2v(['key', 'list', '--json'], { env: { K2V_CONFIG: config } }));
  });

  test("the first run's token in the file's data dir", async () => {
    const dataDir = fs.mkdtempSync(path.join(root, 'data-'));
    fs.writeFileSync(generatedAdminTokenPath(dataDir), `${ts.adminToken}\n`, { mode: 0o600 });
    const config = file(`metadata_dir = "${dataDir}"\n[admin]\napi_bind_addr = "127.0.0.1:${port()}"\n`);
    listsTheKey(await runK2v(['key', 'list', '--json', '-c', config]));
  });

  test('precedence: flag > environment > file', async () => {
    const wrongToken = file(`${noData()}[admin]\napi_bind_addr = "127.0.0.1:${port()}"\nadmin_token = "wrong"\n`);
    // The file's token is wrong: the environment's wins, then the flag's over a wrong environment.
    listsTheKey(await runK2v(['key', 'list', '--json', '-c', wrongToken], { env: { K2V_ADMIN_TOKEN: ts.adminToken } }));
    listsTheKey(await runK2v(['key', 'list', '--json', '-c', wrongToken, '--admin-token', ts.adminToken], { env: { K2V_ADMIN_TOKEN: 'wrong-too' } }));
    const refused = await runK2v(['key', 'list', '-c', wrongToken], { env: { K2V_ADMIN_TOKEN: 'wrong-too' } });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^k2v: AccessDenied: /);
    // The file's endpoint is wrong: the environment's wins.
    const wrongPort = file(`${noData()}[admin]\napi_bind_addr = "127.0.0.1:1"\nadmin_token = "${ts.adminToken}"\n`);
    listsTheKey(await runK2v(['key', 'list', '--json', '-c', wrongPort], { env: { K2V_ADMIN_ENDPOINT: ts.adminUrl } }));
  });

  test('a bad file: exit 1, one line naming the key', async () => {
    const bad = file('[k2v_server]\nmax_conections = 3\n');
    const r = await runK2v(['key', 'list', '-c', bad]);
    assert.equal(r.code, 1);
    const lines = r.stderr.split('\n').filter((l) => l !== '');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, /^k2v: .*: \[k2v_server\] max_conections: unknown key/);
    const unix = file(`${noData()}[admin]\napi_bind_addr = "/run/k2v/admin.sock"\nadmin_token = "t"\n`);
    const u = await runK2v(['bucket', 'list', '-c', unix]);
    assert.equal(u.code, 1);
    assert.match(u.stderr, /Unix socket \/run\/k2v\/admin\.sock.*--admin-endpoint\n$/);
  });
});
