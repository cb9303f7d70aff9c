/**
 * What makes the package usable anywhere: no runtime dependencies, no Node built-ins or globals
 * in the library's source (browsers have none), a types-only wire module, and the exports map.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** Code without its comments (which may name anything). */
const code = (text: string): string => text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');

async function sources(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await sources(p)));
    else if (e.name.endsWith('.ts')) out.push(p);
  }
  return out;
}

it('src/ imports only its own modules and uses no Node globals', async () => {
  const files = await sources(path.join(root, 'src'));
  assert.ok(files.length > 5);
  for (const f of files) {
    const src = code(await readFile(f, 'utf8'));
    for (const m of src.matchAll(/(?<![\w/])(?:from|import)\s*\(?\s*'([^']+)'/g)) {
      assert.ok(m[1]!.startsWith('./') || m[1]!.startsWith('../'), `${f} imports ${m[1]}`);
    }
    assert.doesNotMatch(src, /\bBuffer\b|\brequire\(|process\.env/, f);
  }
});

it('wire.ts is types only, without imports', async () => {
  const src = code(await readFile(path.join(root, 'src/wire.ts'), 'utf8'));
  assert.doesNotMatch(src, /^\s*import\b/m);
  const decls = src.split('\n').filter((l) => /^export\s/.test(l));
  assert.ok(decls.length >= 10);
  for (const l of decls) assert.match(l, /^export (type|interface) /, l);
  const js = await readFile(path.join(root, 'dist/src/wire.js'), 'utf8');
  assert.equal(code(js).trim(), 'export {};');
});

it('package.json: no dependencies, ESM, exports . and ./wire with types', async () => {
  const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as Record<string, unknown>;
  assert.equal(pkg['name'], 'k2v-client');
  assert.equal(pkg['type'], 'module');
  assert.equal(pkg['dependencies'], undefined);
  assert.equal(pkg['peerDependencies'], undefined);
  const exportsMap = pkg['exports'] as Record<string, { types: string; default: string }>;
  for (const [sub, file] of [['.', 'index'], ['./wire', 'wire']] as const) {
    assert.equal(exportsMap[sub]?.types, `./dist/src/${file}.d.ts`);
    assert.equal(exportsMap[sub]?.default, `./dist/src/${file}.js`);
  }
  const mod = (await import('k2v-client')) as Record<string, unknown>;
  assert.equal(typeof mod['K2vClient'], 'function');
  assert.deepEqual(Object.keys(await import('k2v-client/wire')), []);
});

it('the published tarball holds the built library, its declarations and the README, no tests', () => {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' });
  const [pack] = JSON.parse(out) as { files: { path: string }[] }[];
  const files = pack!.files.map((f) => f.path);
  for (const f of ['package.json', 'README.md', 'dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/wire.d.ts', 'dist/src/sigv4/signer.js']) {
    assert.ok(files.includes(f), `${f} is published`);
  }
  assert.deepEqual(files.filter((f) => !f.startsWith('dist/src/') && f !== 'package.json' && f !== 'README.md'), []);
});
