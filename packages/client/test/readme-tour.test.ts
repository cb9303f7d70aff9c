/**
 * The README's five-minute tour is code that runs: its ```js blocks, joined in order, are one
 * ES module, run with node against a real server; every `// -> …` comment must be the line
 * that the statement before it printed.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runScript } from './support/run-script.js';
import { useServer } from './support/server.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const ts = useServer();

/** The ```js blocks of the section under `## <title>`. */
function jsBlocks(markdown: string, title: string): string[] {
  const start = markdown.indexOf(`\n## ${title}\n`);
  assert.ok(start >= 0, `README has a "## ${title}" section`);
  const end = markdown.indexOf('\n## ', start + 1);
  const section = markdown.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

it('the README tour runs and prints what it says', async () => {
  const blocks = jsBlocks(await readFile(path.join(root, 'README.md'), 'utf8'), 'Five-minute tour');
  assert.ok(blocks.length >= 6, 'connect, write, siblings, resolve, iterate, watch');
  const code = blocks.join('\n');
  const expected = [...code.matchAll(/\/\/ -> (.*)$/gm)].map((m) => m[1]!.trim());
  assert.ok(expected.length >= 8);

  // Inside the package, so that `import … from 'k2v-client'` resolves as it does for a user.
  const dir = path.join(root, 'dist', 'tour');
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `tour-${process.pid}.mjs`);
  await writeFile(file, code);
  try {
    const { bucket } = await ts.createBucket();
    const run = await runScript(file, { ...ts.env(), K2V_BUCKET: bucket });
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(run.stdout.trim().split('\n'), expected);
  } finally {
    await rm(file, { force: true });
  }
});
