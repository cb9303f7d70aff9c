/**
 * The examples run as a user runs them (`node examples/<name>.js` with the four variables set),
 * each on a bucket of its own; then their output and what they left in the store are checked.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { json, text, type K2vClient } from 'k2v-client';
import { runScript } from './support/run-script.js';
import { useServer } from './support/server.js';

const ts = useServer();

async function run(name: string): Promise<{ out: string[]; k2v: K2vClient }> {
  const { bucket } = await ts.createBucket();
  const file = fileURLToPath(new URL(`../../examples/${name}.js`, import.meta.url));
  const res = await runScript(file, { ...ts.env(), K2V_BUCKET: bucket });
  assert.equal(res.code, 0, `${name} failed: ${res.stderr}`);
  assert.equal(res.stderr, '');
  return { out: res.stdout.trim().split('\n'), k2v: ts.client({ bucket }) };
}

const only = async (k2v: K2vClient, pk: string, sk: string): Promise<string> => {
  const item = await k2v.readItem(pk, sk);
  assert.ok(item, `${pk}/${sk} exists`);
  assert.equal(item.values.length, 1, `${pk}/${sk} has one value: ${item.values.map((v) => (v ? text(v) : null)).join(' | ')}`);
  return text(item.values[0]!);
};

describe('examples', () => {
  it('s3-metadata: photo metadata per S3 prefix, tags merged by update, a query by tag', async () => {
    const { out, k2v } = await run('s3-metadata');
    assert.deepEqual(out, ['family photos: photo2.jpg, photo3.jpg', 'photo1.jpg: {"tags":["beach","vacation"],"faces":2}']);
    assert.deepEqual(json(new TextEncoder().encode(await only(k2v, 'user-photos/2024', 'photo2.jpg'))), { tags: ['family'], faces: 3 });
    const index = await k2v.readIndex();
    assert.deepEqual(index.partitionKeys.map((p) => [p.pk, p.entries, p.conflicts]), [['user-photos/2024', 3, 0]]);
  });

  it('secondary-index: index-by-date and index-by-tag hold every object despite concurrent updates', async () => {
    const { out, k2v } = await run('secondary-index');
    assert.deepEqual(out, [
      'index-by-date 2024-01-15 -> ["obj1","obj2","obj3"]',
      'index-by-date 2024-01-16 -> ["obj4","obj5"]',
      'index-by-tag archived -> ["obj2","obj3","obj5"]',
      'index-by-tag important -> ["obj1","obj4"]',
    ]);
    // What is stored: every concurrent version holds only ids of the right entry, and their
    // union is the entry (a sibling may remain until the next update merges it).
    const [byTag] = await k2v.readBatch([{ partitionKey: 'index-by-tag', start: 'archived', singleItem: true }]);
    const versions = byTag!.items[0]!.values.map((v) => json<string[]>(v!));
    assert.deepEqual([...new Set(versions.flat())].sort(), ['obj2', 'obj3', 'obj5']);
  });

  it('user-state: two devices conflict on settings.json, the next write merges both changes', async () => {
    const { out, k2v } = await run('user-state');
    assert.deepEqual(out, [
      'settings.json has 2 concurrent versions',
      'user-123 last-login 2024-03-04T10:00:00Z',
      'user-123 profile.json {"name":"Alice"}',
      'user-123 settings.json {"language":"fr","notifications":false,"theme":"dark"}',
      'user-456 profile.json {"name":"Bob"}',
      'user-456 settings.json {"theme":"light"}',
    ]);
    assert.equal(await only(k2v, 'user-123', 'settings.json'), '{"language":"fr","notifications":false,"theme":"dark"}');
  });

  it('change-feed: the watcher sees the other client\'s writes in its range, and stops', async () => {
    const { out, k2v } = await run('change-feed');
    assert.ok(out.includes('change: order-2 = created'), out.join('\n'));
    assert.ok(out.includes('change: order-1 = paid'), out.join('\n'));
    assert.ok(out.every((l) => !l.includes('audit-1')), 'outside the watched prefix');
    assert.equal(out.at(-1), 'feed stopped: order-1=paid, order-2=created');
    assert.equal(await only(k2v, 'events', 'order-1'), 'paid');
  });
});
