/**
 * Installing from tarballs, as an operator outside this repository does: `npm pack` of the client
 * and of the server, `npm install` of both into an empty directory, then the installed `k2v`
 * answers `--help` and runs `k2v server` whose first-run credentials sign a write and a read (by
 * aws4, and by the installed k2v-client). Also checks what the tarballs hold: the compiled code
 * and the launcher, no tests, benchmarks, sources or source maps.
 *
 * `npm pack --ignore-scripts`: dist/ is already compiled (by `npm ci`'s `prepare` and the test
 * build); the tarball is checked to hold it. Dependencies come from npm's cache or the registry.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort, spawnCli, waitHealthy, type Cli } from './support-process.js';
import { waitExports, writeThenRead } from './support-first-run.js';

const run = promisify(execFile);
/** packages/, from dist/test/e2e/ (compiled). */
const PACKAGES = fileURLToPath(new URL('../../../../', import.meta.url));

/**
 * The environment without what `npm test` exports to its children (npm_config_workspace…, the
 * package's own npm_package_*): the nested npm must act as in a fresh shell.
 */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k) && k !== 'NODE_PATH' && k !== 'INIT_CWD') env[k] = v;
  return env;
}

async function npm(args: string[], cwd: string): Promise<string> {
  const { stdout } = await run('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd, env: cleanEnv(), maxBuffer: 64 << 20 });
  return stdout;
}

interface Packed {
  readonly filename: string;
  readonly files: readonly { readonly path: string }[];
}

async function pack(pkg: string, dest: string): Promise<Packed> {
  const out = JSON.parse(await npm(['pack', '--ignore-scripts', '--json', '--pack-destination', dest], path.join(PACKAGES, pkg))) as Packed[];
  assert.equal(out.length, 1);
  return out[0]!;
}

const dirs: string[] = [];
after(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

describe('installing from tarballs', () => {
  test('npm pack, npm install into an empty directory, k2v --help, k2v server, a signed write and read', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'k2v-install-'));
    dirs.push(root);
    const tarballs = path.join(root, 'tarballs');
    const app = path.join(root, 'app');
    fs.mkdirSync(tarballs);
    fs.mkdirSync(app);

    const client = await pack('client', tarballs);
    const server = await pack('server', tarballs);
    const serverFiles = server.files.map((f) => f.path).sort();
    const clientFiles = client.files.map((f) => f.path).sort();
    assert.ok(serverFiles.includes('bin/k2v.js') && serverFiles.includes('dist/src/cli/main.js'), serverFiles.join('\n'));
    assert.ok(clientFiles.includes('dist/src/index.js') && clientFiles.includes('dist/src/index.d.ts'), clientFiles.join('\n'));
    for (const f of serverFiles) assert.match(f, /^(package\.json|README\.md|bin\/k2v\.js|dist\/src\/.+\.js)$/, 'unexpected file in k2v-server');
    for (const f of clientFiles) assert.match(f, /^(package\.json|README\.md|dist\/src\/.+\.(js|d\.ts))$/, 'unexpected file in k2v-client');

    // An empty project of its own, so that npm does not walk up to some parent's package.json.
    fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'k2v-install-check', private: true, type: 'module' }));
    await npm(['install', '--prefer-offline', path.join(tarballs, client.filename), path.join(tarballs, server.filename)], app);
    const installed = path.join(app, 'node_modules', 'k2v-server');
    // Copies, not links back into this repository.
    assert.equal(fs.lstatSync(installed).isSymbolicLink(), false);
    assert.equal(fs.lstatSync(path.join(app, 'node_modules', 'k2v-client')).isSymbolicLink(), false);

    const help = await run('npx', ['--no-install', 'k2v', '--help'], { cwd: app, env: cleanEnv() });
    assert.match(help.stdout, /^Usage: k2v /m);
    assert.match(help.stdout, /^ {2}server \[options\]/m);

    const ports = { k2v: await freePort(), admin: await freePort() };
    const dataDir = path.join(root, 'data');
    const bin = path.join(installed, 'bin', 'k2v.js');
    const args = ['server', '--data-dir', dataDir, '--k2v-bind', `127.0.0.1:${ports.k2v}`, '--admin-bind', `127.0.0.1:${ports.admin}`];
    const srv: Cli = spawnCli(args, cleanEnv(), app, bin);
    try {
      const creds = await waitExports(srv);
      await waitHealthy(srv, ports.admin);
      await writeThenRead({ url: creds.K2V_ENDPOINT }, creds, 'installed', 'hello from a tarball');

      // The installed client reads it back with the same printed block as its environment.
      fs.writeFileSync(
        path.join(app, 'read.mjs'),
        `import { K2vClient, text } from 'k2v-client';\n` +
          `const item = await K2vClient.fromEnv().readItem('installed', 'greeting');\n` +
          `process.stdout.write(text(item.values[0]));\n`,
      );
      const read = await run(process.execPath, ['read.mjs'], { cwd: app, env: { ...cleanEnv(), ...creds } });
      assert.equal(read.stdout, 'hello from a tarball');
    } finally {
      srv.child.kill('SIGTERM');
    }
    assert.equal(await srv.exited, 0, srv.stderr());
  });
});
