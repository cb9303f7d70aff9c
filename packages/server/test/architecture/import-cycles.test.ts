/**
 * No import circle in the server's sources, its benchmark, the client or the console: each folder is a layer and imports
 * point one way (architecture.md), and issue 13 asked the report code to lose its circle. Reads
 * the TypeScript sources' relative imports, `import type` included (a type circle is still one
 * for a reader).
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return /\.tsx?$/.test(e.name) && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

/** Relative imports and re-exports of one file, as absolute .ts paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/^\s*(?:import|export)\b[^'"]*?\bfrom\s+'(\.{1,2}\/[^']+)'/gm)) {
    const target = path.resolve(path.dirname(file), m[1]!.replace(/\.js$/, ''));
    out.push(existsSync(`${target}.tsx`) ? `${target}.tsx` : `${target}.ts`);
  }
  return out;
}

/** One cycle of the graph, as a list of files, or undefined. */
function findCycle(graph: ReadonlyMap<string, readonly string[]>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string): string[] | undefined => {
    state.set(n, 'open');
    stack.push(n);
    for (const m of graph.get(n) ?? []) {
      if (!graph.has(m)) continue;
      if (state.get(m) === 'open') return [...stack.slice(stack.indexOf(m)), m];
      if (state.get(m) === undefined) {
        const c = visit(m);
        if (c) return c;
      }
    }
    stack.pop();
    state.set(n, 'done');
    return undefined;
  };
  for (const n of graph.keys()) {
    if (state.get(n) === undefined) {
      const c = visit(n);
      if (c) return c;
    }
  }
  return undefined;
}

describe('import cycles', () => {
  it('finds a planted one (the check can fail)', () => {
    const g = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a']],
      ['d', ['a']],
    ]);
    assert.deepEqual(findCycle(g), ['a', 'b', 'c', 'a']);
    assert.equal(findCycle(new Map([['a', ['b']], ['b', []]])), undefined);
  });

  // The server's sources and benchmark, and the client's and console's sources beside them.
  for (const folder of ['src', 'bench', '../client/src', '../console/src']) {
    it(`none in ${folder}/`, () => {
      const files = sources(path.join(ROOT, folder));
      assert.ok(files.length > 10, `read the sources of ${folder}/`);
      const graph = new Map(files.map((f) => [f, importsOf(f)]));
      assert.ok([...graph.values()].some((deps) => deps.length > 0), 'found imports');
      const cycle = findCycle(graph);
      assert.equal(cycle?.map((f) => path.relative(ROOT, f)).join(' -> '), undefined);
    });
  }
});
