/**
 * Installing from packages (README "Install"): `npm pack` of the client and the server give
 * tarballs that install into an empty directory outside this repository with
 * `npm install <client.tgz> <server.tgz>` and run there: `k2v --help`, and `k2v server` up to
 * a healthy `/health`. The packages hold what they need and nothing more (no sources, tests,
 * benchmarks or source maps of the server). Dependencies come from the npm cache when it has
 * them (`--prefer-offline`), from the registry otherwise.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ServerProcess } from '../support/server-process.js';
import { freePort } from './support-process.js';

const run = promisify(execFile);
/** packages/server, from dist/test/e2e/. */
const SERVER_DIR = fileURLToPath(new URL('../../../', import.meta.url));
const CLIENT_DIR = path.join(SERVER_DIR, '..', 'client');

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function tmp(label: string): Promise<string> {
  const d = await mkdtemp(path.join(os.tmpdir(), `k2v-${label}-`));
  dirs.push(d);
  return d;
}

/**
 * `npm pack` of a package already built by the test run (`--ignore-scripts`: its `prepare` would
 * only compile again what `npm test` has just compiled). Returns the tarball's path and files.
 */
async function pack(dir: string, into: string): Promise<{ tarball: string; files: string[] }> {
  const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', into], { cwd: dir, timeout: 120_000 });
  const [info] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
  return { tarball: path.join(into, info!.filename), files: info!.files.map((f) => f.path) };
}

test('npm pack of the client and the server install into an empty directory and run k2v --help and k2v server', { timeout: 600_000 }, async () => {
  const packs = await tmp('packs');
  const client = await pack(CLIENT_DIR, packs);
  const server = await pack(SERVER_DIR, packs);

  assert.ok(server.files.includes('bin/k2v.js') && server.files.includes('dist/src/cli/main.js'), 'the launcher and the compiled CLI');
  const extra = server.files.filter((f) => !(f === 'package.json' || f === 'bin/k2v.js' || (f.startsWith('dist/src/') && f.endsWith('.js'))));
  assert.deepEqual(extra, [], 'nothing but the package manifest, the launcher and compiled JavaScript');
  assert.ok(client.files.includes('dist/src/index.js') && client.files.includes('dist/src/index.d.ts'), 'the client library and its types');
  assert.deepEqual(client.files.filter((f) => /(^|\/)(test|examples)\/|\.ts$/.test(f) && !f.endsWith('.d.ts')), [], 'no client tests, examples or sources');

  const app = await tmp('install');
  await writeFile(path.join(app, 'package.json'), JSON.stringify({ name: 'k2v-install-test', private: true }));
  await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', client.tarball, server.tarball], {
    cwd: app,
    timeout: 480_000,
  });
  assert.ok((await readdir(path.join(app, 'node_modules'))).includes('k2v-server'));
  const bin = path.join(app, 'node_modules', '.bin', 'k2v');

  const help = await run(bin, ['--help'], { cwd: app });
  assert.match(help.stdout, /^Usage: k2v /);
  assert.match(help.stdout, /\bserver\b/);
  assert.match(help.stdout, /\bsnapshot\b/);

  // The installed launcher, not this repository's: ServerProcess runs `node <bin> server …`.
  const installed = path.join(app, 'node_modules', 'k2v-server', 'bin', 'k2v.js');
  const sp = new ServerProcess({
    dataDir: path.join(app, 'data'),
    k2vPort: await freePort(),
    adminPort: await freePort(),
    adminToken: 'install-test-token',
    bin: installed,
  });
  try {
    await sp.waitHealthy(60_000);
  } finally {
    await sp.kill('SIGTERM');
  }
  assert.equal(sp.exitCode(), 0, `clean exit on SIGTERM; stderr: ${sp.stderr()}`);
});
