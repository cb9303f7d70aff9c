/**
 * The web console in a real browser: Debian's Chromium, headless, driven by playwright-core,
 * against a real server (in-process, ephemeral ports). Signs in both ways, creates a bucket and
 * a key and grants it, inserts items, resolves two concurrent writes in one action, sees the
 * "changed" warning (PollItem) and a live change arrive (PollRange), pages through a partition
 * of more than one page, deletes, and shows hostile keys and values as text only. Any page
 * error or console error (a CSP violation is one) fails the test. It writes the screenshots of
 * docs/console.md (docs/console-*.png).
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { K2vClient, text } from 'k2v-client';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { useTestServer } from './harness.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const DOCS = fileURLToPath(new URL('../../../../../docs/', import.meta.url));
const BUCKET = 'console-e2e';
const KEY = 'console-e2e-key';
/** Long enough for a loaded machine; nothing asserts on time. */
const WAIT = { timeout: 30_000 };

const ts = useTestServer();

/** Waits for a condition the browser brings about (polling, bounded; no assertion on time). */
async function until(cond: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`never: ${what}`);
}

describe('the web console in Chromium', () => {
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const problems: string[] = [];
  const dialogs: string[] = [];
  let bucketId = '';
  let keyId = '';
  let keySecret = '';

  const watch = (p: Page) => {
    p.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    // Failed statuses the tests provoke (403, 404, 409) are logged by Chromium too: not problems.
    p.on('console', (m) => m.type() === 'error' && !m.text().startsWith('Failed to load resource: the server responded with a status of 4') && problems.push(`console: ${m.text()}`));
    p.on('dialog', (d) => {
      dialogs.push(`${d.type()}: ${d.message()}`);
      void d.dismiss();
    });
  };
  const shot = (p: Page, name: string) => p.screenshot({ path: path.join(DOCS, `console-${name}.png`) });
  const client = (bucket = BUCKET) => new K2vClient({ endpoint: ts.k2vUrl, accessKeyId: keyId, secretAccessKey: keySecret, bucket });
  const consoleUrl = () => `${ts.adminUrl}/console/`;

  before(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: 'light' });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: ts.adminUrl });
    page = await context.newPage();
    watch(page);
  });

  after(async () => {
    await browser?.close();
  });

  it('signs in with the admin token', async () => {
    await page.goto(consoleUrl());
    await page.getByLabel('Admin token').fill('not the token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'AccessDenied' }).waitFor(WAIT);
    await page.getByLabel('Admin token').fill(ts.adminToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('buckets').waitFor(WAIT);
    assert.ok(!page.url().includes(ts.adminToken), 'no secret in the URL');
    // Strings evaluated in the page (the server's tsconfig has no DOM types).
    const stored = await page.evaluate<string>('JSON.stringify(sessionStorage)');
    assert.ok(stored.includes(ts.adminToken), 'the token is in the tab’s session storage');
    assert.equal(await page.evaluate<number>('localStorage.length'), 0);
  });

  it('creates a bucket and a key, and grants the key read and write in the matrix', async () => {
    await page.getByLabel('Global alias of a new bucket').fill(BUCKET);
    await page.getByRole('button', { name: 'Create bucket' }).click();
    await page.getByTestId('buckets').getByRole('link', { name: BUCKET, exact: true }).waitFor(WAIT);
    bucketId = (await ts.admin('GET', `/v1/bucket?globalAlias=${BUCKET}`).then((r) => r.json<{ id: string }>())).id;
    const row = page.getByTestId('buckets').locator('tr').filter({ hasText: BUCKET });
    await row.getByRole('button', { name: 'Alias', exact: true }).click();
    await page.getByLabel(`New global alias for ${BUCKET}`).fill(`${BUCKET}-alias`);
    await row.getByRole('button', { name: 'Add alias' }).click();
    await row.getByRole('button', { name: `Remove alias ${BUCKET}-alias` }).click();
    await page.getByRole('alertdialog').getByText(`Its other aliases: ${BUCKET}`).waitFor(WAIT);
    await page.getByTestId('confirm').click();
    await row.getByRole('button', { name: `Remove alias ${BUCKET}-alias` }).waitFor({ ...WAIT, state: 'detached' });
    assert.deepEqual((await ts.admin('GET', `/v1/bucket?id=${bucketId}`).then((r) => r.json<{ globalAliases: string[] }>())).globalAliases, [BUCKET]);

    await page.getByRole('link', { name: 'Keys' }).click();
    await page.getByLabel('Name of a new key').fill(KEY);
    await page.getByRole('button', { name: 'Create key' }).click();
    const created = await page.getByTestId('created-key').locator('pre').textContent(WAIT);
    keyId = /AWS_ACCESS_KEY_ID=(GK[0-9a-f]+)/.exec(created ?? '')![1]!;
    keySecret = /AWS_SECRET_ACCESS_KEY=([0-9a-f]{64})/.exec(created ?? '')![1]!;
    await page.getByTestId('keys').getByText(keyId).waitFor(WAIT);

    await page.getByRole('link', { name: 'Permissions' }).click();
    // The matrix reloads after each click. Here the reload of the first click (slowed) lands
    // while the second click's grant (slowed more) is still on its way: it must not undo the
    // second tick on the screen.
    const slowInfo = '**/v1/bucket?id=*';
    const slowAllow = '**/v1/bucket/allow';
    const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
    await page.route(slowInfo, async (route) => {
      await pause(300);
      await route.continue();
    });
    await page.route(slowAllow, async (route) => {
      if (route.request().postData()?.includes('"write":true') === true) await pause(1000);
      await route.continue();
    });
    const labels = ['read', 'write'].map((flag) => `${flag} of ${KEY} on ${BUCKET}`);
    for (const label of labels) await page.getByLabel(label).check();
    // Sampled in the page for longer than the slowed reloads (a string: no DOM types here).
    const unticked = await page.evaluate<string[]>(`new Promise((done) => {
      const seen = new Set();
      const t = setInterval(() => {
        for (const label of ${JSON.stringify(labels)}) {
          const el = document.querySelector('input[aria-label="' + label + '"]');
          if (!el || !el.checked) seen.add(label);
        }
      }, 5);
      setTimeout(() => { clearInterval(t); done([...seen]); }, 2000);
    })`);
    assert.deepEqual(unticked, [], 'the boxes stayed ticked while the reloads of earlier clicks landed');
    for (const flag of ['read', 'write']) {
      const granted = async () => {
        const info = await ts.admin('GET', `/v1/bucket?id=${bucketId}`).then((r) => r.json<{ keys: { accessKeyId: string; permissions: Record<string, boolean> }[] }>());
        return info.keys.some((x) => x.accessKeyId === keyId && x.permissions[flag] === true);
      };
      await until(granted, `${flag} granted`);
    }
    await page.unroute(slowInfo);
    await page.unroute(slowAllow);
    await shot(page, 'permissions');
  });

  it('inserts items, and pages through a partition of more than one page', async () => {
    const c = client();
    const entries = Array.from({ length: 120 }, (_, i) => ({ pk: 'big', sk: `item-${String(i).padStart(3, '0')}`, value: JSON.stringify({ n: i, tags: ['a', 'b'] }) }));
    await c.insertBatch(entries);
    await c.insertItem('notes', 'binary', new Uint8Array([0, 1, 2, 255, 254]));
    // Keyboard: j moves to the first row, Enter opens it.
    await page.goto(`${consoleUrl()}#/b/${bucketId}`);
    await page.getByTestId('partitions').getByRole('link', { name: 'big' }).waitFor(WAIT);
    await page.keyboard.press('j');
    await page.keyboard.press('Enter');
    const rows = page.getByTestId('items').locator('tbody tr');
    await page.getByTestId('items').getByRole('link', { name: 'item-000' }).waitFor(WAIT);
    assert.equal(await rows.count(), 50);
    await page.getByTestId('next-page').click();
    await page.getByTestId('items').getByRole('link', { name: 'item-050' }).waitFor(WAIT);
    assert.equal(await rows.count(), 50);
    assert.equal(await page.getByTestId('items').getByRole('link', { name: 'item-049' }).count(), 0);
    await page.getByTestId('next-page').click();
    await page.getByTestId('items').getByRole('link', { name: 'item-119' }).waitFor(WAIT);
    assert.equal(await rows.count(), 20);
    assert.equal(await page.getByTestId('next-page').count(), 0, 'the last page');
    await page.goBack();
    await page.getByTestId('items').getByRole('link', { name: 'item-050' }).waitFor(WAIT);

    // A new item through the form, in a new partition opened by name.
    await page.goto(`${consoleUrl()}#/b/${bucketId}`);
    await page.getByLabel('Open a partition by key').fill('notes');
    await page.getByRole('button', { name: 'Open' }).click();
    await page.getByLabel('Sort key of the new item').fill('hello');
    await page.getByLabel('Value of the new item (UTF-8 text)').fill('{"greeting":"hello","from":"console"}');
    await page.getByRole('button', { name: 'Insert' }).click();
    await page.getByTestId('items').getByRole('link', { name: 'hello' }).waitFor(WAIT);
    const read = await c.readItem('notes', 'hello');
    assert.deepEqual(JSON.parse(text(read!.values[0]!)), { greeting: 'hello', from: 'console' });
    await page.goto(`${consoleUrl()}#/b/${bucketId}`);
    await page.getByTestId('partitions').getByRole('link', { name: 'big' }).waitFor(WAIT);
    await shot(page, 'partitions');
    await page.goto(`${consoleUrl()}#/b/${bucketId}/p/big`);
    await page.getByTestId('items').getByRole('link', { name: 'item-000' }).waitFor(WAIT);
    await shot(page, 'items');
    await page.goto(`${consoleUrl()}#/`);
    await page.getByTestId('buckets').getByRole('link', { name: BUCKET, exact: true }).waitFor(WAIT);
    await shot(page, 'buckets');
  });

  it('shows two concurrent writes side by side and resolves them in one action', async () => {
    const c = client();
    await c.insertItem('notes', 'conflict', 'written by A');
    const first = await c.readItem('notes', 'conflict');
    await c.insertItem('notes', 'conflict', 'written by B', first!.token);
    await c.insertItem('notes', 'conflict', '{"written":"by C"}', first!.token);
    assert.equal((await c.readItem('notes', 'conflict'))!.values.length, 2);
    await page.goto(`${consoleUrl()}#/b/${bucketId}/p/notes/i/conflict`);
    await page.getByTestId('conflict').waitFor(WAIT);
    assert.equal(await page.getByTestId('value').count(), 2);
    await page.getByTestId('snippet').waitFor(WAIT);
    await shot(page, 'item-conflict');
    await page.getByTestId('value').filter({ hasText: 'by C' }).getByTestId('keep').click();
    // The write is done when the server has one value; the page then shows the new token.
    let after = await c.readItem('notes', 'conflict');
    await until(async () => (after = await c.readItem('notes', 'conflict'))!.values.length === 1, 'the conflict resolved on the server');
    await page.getByTestId('token').filter({ hasText: after!.token }).waitFor(WAIT);
    assert.equal(await page.getByTestId('value').count(), 1);
    assert.equal(await page.getByTestId('conflict').count(), 0);
    assert.equal(after!.values.length, 1);
    assert.deepEqual(JSON.parse(text(after!.values[0]!)), { written: 'by C' });
  });

  it('warns when the item shown changes, and edits with the token', async () => {
    const c = client();
    await page.goto(`${consoleUrl()}#/b/${bucketId}/p/notes/i/hello`);
    const token = await page.getByTestId('token').textContent(WAIT);
    const now = await c.readItem('notes', 'hello');
    assert.equal(token, now!.token);
    // Give the console's PollItem time to be waiting is not needed: a poll with an old token answers at once.
    await c.insertItem('notes', 'hello', 'changed elsewhere', now!.token);
    await page.getByTestId('changed').waitFor(WAIT);
    await page.getByTestId('changed').getByRole('button', { name: 'Reload' }).click();
    await page.getByTestId('value-text').filter({ hasText: 'changed elsewhere' }).waitFor(WAIT);
    await page.getByLabel('Value to write').fill('edited in the console');
    await page.getByTestId('save').click();
    await page.getByTestId('value-text').filter({ hasText: 'edited in the console' }).waitFor(WAIT);
    const edited = await c.readItem('notes', 'hello');
    assert.deepEqual(edited!.values.map((v) => text(v!)), ['edited in the console'], 'the edit replaced the value (sent with the token)');
  });

  it('watches a partition and shows a change arriving', async () => {
    await page.goto(`${consoleUrl()}#/b/${bucketId}/p/notes/tail`);
    await page.getByTestId('tail-state').filter({ hasText: 'Watching' }).waitFor(WAIT);
    // The first change may land before the console's first poll is waiting: the seen marker
    // it took covers it, so it is reported either way. Keep writing until one shows.
    const c = client();
    let n = 0;
    const arrived = page.getByTestId('tail').getByText('arrived live', { exact: false });
    while ((await arrived.count()) === 0) {
      await c.insertItem('notes', `live-${n++}`, `arrived live ${n}`);
      await arrived.first().waitFor({ timeout: 5_000 }).catch(() => undefined);
      assert.ok(n < 20, 'a change shows in the tail');
    }
    await shot(page, 'tail');
  });

  it('deletes an item, a range, a key and an empty bucket, each after a confirmation naming it', async () => {
    const c = client();
    await page.goto(`${consoleUrl()}#/b/${bucketId}/p/notes/i/binary`);
    await page.getByTestId('value-text').filter({ hasText: '00 01 02 ff fe' }).waitFor(WAIT);
    await page.getByRole('button', { name: 'Delete…' }).click();
    await page.getByRole('alertdialog').getByText('Partition notes, sort key binary').waitFor(WAIT);
    await page.getByTestId('confirm').click();
    await page.getByTestId('value').filter({ hasText: 'tombstone' }).waitFor(WAIT);
    assert.deepEqual((await c.readItem('notes', 'binary'))!.values, [null]);

    await page.goto(`${consoleUrl()}#/b/${bucketId}/p/big?prefix=item-1`);
    await page.getByTestId('items').getByRole('link', { name: 'item-100' }).waitFor(WAIT);
    await page.getByRole('button', { name: 'Delete this range…' }).click();
    await page.getByRole('alertdialog').getByText('Items with prefix "item-1"').waitFor(WAIT);
    await page.getByRole('alertdialog').getByText('20 item(s)').waitFor(WAIT);
    await page.getByTestId('confirm').click();
    await page.getByTestId('items').getByText('No item here.').waitFor(WAIT);
    const left = await c.readBatch([{ partitionKey: 'big' }]);
    assert.equal(left[0]!.items.length, 100);

    // A bucket with items is refused by the server; the dialog shows why.
    await page.goto(`${consoleUrl()}#/`);
    const row = page.getByTestId('buckets').locator('tr').filter({ hasText: BUCKET });
    await row.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('alertdialog').getByText(/K2V data: \d+ items/).waitFor(WAIT);
    await page.getByTestId('confirm').click();
    await page.getByRole('alertdialog').getByText('BucketNotEmpty', { exact: false }).waitFor(WAIT);
    await page.getByRole('alertdialog').getByRole('button', { name: 'Cancel' }).click();

    await page.getByLabel('Global alias of a new bucket').fill('console-empty');
    await page.getByRole('button', { name: 'Create bucket' }).click();
    const empty = page.getByTestId('buckets').locator('tr').filter({ hasText: 'console-empty' });
    await empty.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('alertdialog').getByText('Aliases: console-empty').waitFor(WAIT);
    await page.getByTestId('confirm').click();
    await empty.waitFor({ ...WAIT, state: 'detached' });
    await page.getByTestId('buckets').getByRole('link', { name: BUCKET, exact: true }).waitFor(WAIT);

    const throwaway = await ts.admin('POST', '/v1/key', { name: 'to-delete' }).then((r) => r.json<{ accessKeyId: string }>());
    await page.getByRole('link', { name: 'Keys' }).click();
    const keyRow = page.getByTestId('keys').locator('tr').filter({ hasText: throwaway.accessKeyId });
    await keyRow.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('alertdialog').getByText(`Access key ${throwaway.accessKeyId}`).waitFor(WAIT);
    await page.getByTestId('confirm').click();
    await keyRow.waitFor({ ...WAIT, state: 'detached' });
    await page.getByTestId('keys').getByText(keyId).waitFor(WAIT);
    assert.equal((await ts.admin('GET', `/v1/key?id=${throwaway.accessKeyId}`)).status, 404);
  });

  it('signs in with an access key id and secret: that key’s named bucket, data only', async () => {
    const ctx2 = await browser.newContext({ viewport: { width: 390, height: 844 }, colorScheme: 'dark' });
    try {
      const p = await ctx2.newPage();
      watch(p);
      await p.goto(consoleUrl());
      await p.getByRole('tab', { name: 'Access key' }).click();
      await p.getByLabel('Access key id').fill(keyId);
      await p.getByLabel('Secret access key').fill(keySecret);
      await p.getByLabel('Bucket(s), separated by spaces or commas').fill(ts.bucket);
      await p.getByRole('button', { name: 'Sign in' }).click();
      await p.getByRole('alert').filter({ hasText: 'AccessDenied' }).waitFor(WAIT);
      await p.getByLabel('Bucket(s), separated by spaces or commas').fill(BUCKET);
      await p.getByRole('button', { name: 'Sign in' }).click();
      await p.getByRole('link', { name: BUCKET }).click();
      await p.getByTestId('partitions').getByRole('link', { name: 'notes' }).click();
      await p.getByTestId('items').getByRole('link', { name: 'hello' }).waitFor(WAIT);
      assert.equal(await p.getByRole('link', { name: 'Keys' }).count(), 0, 'no admin views');
      assert.ok(!p.url().includes(keySecret));
      await shot(p, 'phone-dark');
    } finally {
      await ctx2.close();
    }
  });

  it('shows hostile keys and values as text: nothing runs, nothing is injected', async () => {
    const c = client();
    const pk = '<img src=x onerror="window.__pwned=1">';
    const sk = '<script>window.__pwned=2</script>';
    const value = '<img src=y onerror="window.__pwned=3"><b>bold</b>';
    await c.insertItem(pk, sk, value);
    await c.insertItem(pk, '"><svg onload=alert(1)>', '{"html":"<script>alert(4)</script>"}');
    await page.goto(`${consoleUrl()}#/b/${bucketId}`);
    await page.getByTestId('partitions').getByRole('link', { name: pk }).click();
    await page.getByTestId('items').getByRole('link', { name: sk }).waitFor(WAIT);
    await page.getByTestId('items').getByText(value).waitFor(WAIT);
    await page.getByTestId('items').getByRole('link', { name: sk }).click();
    await page.getByTestId('value-text').filter({ hasText: value }).waitFor(WAIT);
    await page.goto(`${consoleUrl()}#/b/${bucketId}/p/${encodeURIComponent(pk)}/i/${encodeURIComponent('"><svg onload=alert(1)>')}`);
    await page.getByTestId('value-text').filter({ hasText: '<script>alert(4)</script>' }).waitFor(WAIT);
    const injected = await page.evaluate<unknown>(`({
      pwned: window.__pwned,
      imgs: document.querySelectorAll('img').length,
      svgs: document.querySelectorAll('svg').length,
      bold: document.querySelectorAll('b').length,
      scripts: document.querySelectorAll('script').length,
    })`);
    assert.deepEqual(injected, { pwned: undefined, imgs: 0, svgs: 0, bold: 0, scripts: 1 });
    assert.deepEqual(dialogs, []);
  });

  it('had no page error, console error (CSP) or dialog', () => {
    assert.deepEqual(problems, []);
    assert.deepEqual(dialogs, []);
  });
});
