/**
 * How `k2v restore` cuts a dump file into parts (restore-parts.ts), read part by part as a
 * request would read it: each part is a dump of its own (the file's header, its own end line),
 * metadata in the first, `firstLine` the file's number of the part's second line; the file's
 * header and end line are checked here.
 */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { endLine, headerLine, itemLine, keyLine } from '../../../src/admin/dump-format.js';
import { CliError } from '../../../src/cli/cli-error.js';
import { restoreParts } from '../../../src/cli/admin/restore-parts.js';

const BUCKET = 'ab'.repeat(32);
const HEADER = headerLine({ format: 'k2v-dump', version: 2, scope: 'store', createdAt: 'x', nodeId: '00' });
const KEY = keyLine({ id: 'GK00000000000000000000000a', secret: 's', name: 'n', created: 1, allowCreateBucket: false });
const item = (i: number): string => itemLine(BUCKET, { pk: 'p', sk: `s${i}`, item: { entries: [{ node: 1n, discard: 0n, values: [{ t: BigInt(i + 1), v: null }] }] } });

async function partsOf(text: string, partItems: number): Promise<{ firstLine: number; body: string }[]> {
  const out: { firstLine: number; body: string }[] = [];
  for await (const part of restoreParts(Readable.from([text]), partItems, { lines: 0 })) {
    let body = '';
    for await (const chunk of part.body) body += String(chunk);
    await part.more;
    out.push({ firstLine: part.firstLine, body });
  }
  return out;
}

describe('restoreParts', () => {
  it('cuts after every partItems item lines; each part has the header and an end line of its own; metadata travels in the first', async () => {
    const items = [0, 1, 2, 3, 4].map(item);
    const file = HEADER + KEY + items.join('') + endLine({ keys: 1, buckets: 0, adminTokens: 0, items: 5 });
    const parts = await partsOf(file, 2);
    assert.deepEqual(
      parts.map((p) => p.firstLine),
      [2, 5, 7],
    );
    assert.equal(parts[0]!.body, HEADER + KEY + items[0] + items[1] + endLine({ keys: 1, buckets: 0, adminTokens: 0, items: 2 }));
    assert.equal(parts[1]!.body, HEADER + items[2] + items[3] + endLine({ keys: 0, buckets: 0, adminTokens: 0, items: 2 }));
    assert.equal(parts[2]!.body, HEADER + items[4] + endLine({ keys: 0, buckets: 0, adminTokens: 0, items: 1 }));
  });

  it('a file without an end line: its last part goes without one (the server refuses it where the file ends)', async () => {
    const parts = await partsOf(HEADER + item(0) + item(1) + item(2), 2);
    assert.equal(parts.length, 2);
    assert.equal(parts[1]!.body, HEADER + item(2));
  });

  it('refuses a bad header before any part, and a wrong end line or data after it with the file line', async () => {
    await assert.rejects(partsOf('{"hello":1}\n', 2), (e: unknown) => e instanceof CliError && /^dump line 1: not a k2v dump/.test(e.message));
    await assert.rejects(partsOf('', 2), (e: unknown) => e instanceof CliError && /empty dump/.test(e.message));
    const miscount = HEADER + item(0) + item(1) + item(2) + endLine({ keys: 0, buckets: 0, adminTokens: 0, items: 2 });
    await assert.rejects(partsOf(miscount, 2), (e: unknown) => e instanceof CliError && /^dump line 5: the end line counts 0 keys, 0 buckets, 0 admin tokens and 2 items; the dump holds 0, 0, 0 and 3; lines 1 to 3 were restored/.test(e.message));
    const after = HEADER + item(0) + endLine({ keys: 0, buckets: 0, adminTokens: 0, items: 1 }) + '\n' + item(1);
    await assert.rejects(partsOf(after, 5), (e: unknown) => e instanceof CliError && /^dump line 5: data after the end line/.test(e.message));
  });
});
