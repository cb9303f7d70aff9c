/**
 * The client in a real browser: Debian's Chromium, headless, driven by playwright-core, loads a
 * page from another origin that imports the built package with a plain `<script type="module">`
 * and reads and writes through the server's CORS rules. If Chromium cannot start, this fails.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { useServer } from '../support/server.js';
import { serveStatic, type StaticServer } from './static-server.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>k2v-client in a browser</title>
<script type="module">
  import * as k2v from '/k2v-client/index.js';
  window.k2v = k2v;
  document.title = 'ready';
</script>`;

/** What the page sees of the package (the globals the page script sets). */
type PageModule = typeof import('k2v-client');
declare global {
  interface Window {
    k2v: PageModule;
  }
}

const ts = useServer();

describe('in Chromium, from another origin', () => {
  let site: StaticServer;
  let browser: Browser;
  let page: Page;
  let uncorsed: string;
  const pageErrors: string[] = [];

  before(async () => {
    site = await serveStatic({ '/': PAGE }, '/k2v-client/', fileURLToPath(new URL('../../src/', import.meta.url)));
    await ts.admin('PUT', `/v1/bucket?id=${ts.bucketId}`, {
      corsRules: [
        {
          allowedOrigins: [site.origin],
          allowedMethods: ['GET', 'PUT', 'DELETE', 'POST'],
          allowedHeaders: ['*'],
          exposeHeaders: ['X-Garage-Causality-Token'],
          maxAgeSeconds: 60,
        },
      ],
    });
    uncorsed = (await ts.createBucket()).bucket;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    page = await browser.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(site.origin + '/');
    await page.waitForFunction(() => document.title === 'ready', undefined, { timeout: 10_000 });
  });

  after(async () => {
    await browser?.close();
    await site?.close();
  });

  const config = () => ({ endpoint: ts.endpoint, accessKeyId: ts.accessKeyId, secretAccessKey: ts.secretAccessKey, bucket: ts.bucket });

  it('the page is of another origin, and a secure context (WebCrypto)', async () => {
    assert.notEqual(new URL(site.origin).origin, new URL(ts.endpoint).origin);
    assert.equal(await page.evaluate(() => window.isSecureContext && typeof crypto.subtle?.sign === 'function'), true);
    assert.deepEqual(pageErrors, []);
  });

  it('writes, reads with the token, resolves siblings, lists and deletes', async () => {
    const result = await page.evaluate(async (cfg) => {
      const { K2vClient, text } = window.k2v;
      const c = new K2vClient(cfg);
      await c.insertItem('browser pk/é', 'greeting', 'hello from chromium');
      const item = await c.readItem('browser pk/é', 'greeting');
      if (item === undefined) throw new Error('not found');
      await c.insertItem('browser pk/é', 'greeting', 'tab A', item.token);
      await c.insertItem('browser pk/é', 'greeting', 'tab B', item.token);
      const siblings = (await c.readItem('browser pk/é', 'greeting'))!.values.map((v) => text(v!)).sort();
      await c.update('browser pk/é', 'greeting', (values) => values.map(text).sort().join('+'));
      const resolved = (await c.readItem('browser pk/é', 'greeting'))!;
      await c.insertBatch([1, 2, 3, 4, 5].map((i) => ({ pk: 'browser pk/é', sk: `n${i}`, value: new Uint8Array([i, 0, 255]) })));
      const sks: string[] = [];
      for await (const it of c.items('browser pk/é', { prefix: 'n', pageSize: 2 })) sks.push(`${it.sk}:${Array.from(it.values[0]!).join(',')}`);
      const index = await c.readIndex({ prefix: 'browser' });
      const deleted = await c.deleteBatch([{ partitionKey: 'browser pk/é', prefix: 'n' }]);
      await c.deleteItem('browser pk/é', 'greeting', resolved.token);
      const gone = await c.readItem('browser pk/é', 'greeting');
      return {
        first: text(item.values[0]!),
        tokenShape: /^[A-Za-z0-9_-]+$/.test(item.token),
        siblings,
        resolved: resolved.values.map((v) => text(v!)),
        sks,
        index: index.partitionKeys.map((p) => [p.pk, p.entries]),
        deleted: deleted.map((d) => d.deletedItems),
        gone: gone?.values,
      };
    }, config());
    assert.deepEqual(result, {
      first: 'hello from chromium',
      tokenShape: true,
      siblings: ['tab A', 'tab B'],
      resolved: ['tab A+tab B'],
      sks: ['n1:1,0,255', 'n2:2,0,255', 'n3:3,0,255', 'n4:4,0,255', 'n5:5,0,255'],
      index: [['browser pk/é', 6]],
      deleted: [5],
      gone: [null],
    });
    // Read back from Node: the browser's writes are the server's.
    const fromNode = await ts.client().readItem('browser pk/é', 'n1');
    assert.deepEqual(fromNode?.values, [null]);
  });

  it('a watch in the page is woken by a write from Node', async () => {
    await ts.client().insertItem('browser-watch', 'k', 'v1');
    const token = (await ts.client().readItem('browser-watch', 'k'))!.token;
    const watching = page.evaluate(async ({ cfg, token }) => {
      const { K2vClient, text, causalityToken } = window.k2v;
      const c = new K2vClient(cfg);
      for await (const item of c.watchItem('browser-watch', 'k', { since: causalityToken(token), timeoutSeconds: 30 })) {
        return item.values.map((v) => text(v!));
      }
      return [];
    }, { cfg: config(), token });
    await ts.client().insertItem('browser-watch', 'k', 'v2 from node', token);
    assert.deepEqual(await watching, ['v2 from node']);
  });

  it('errors keep their contract code across CORS; a bucket without a CORS rule is refused by the browser', async () => {
    const codes = await page.evaluate(async ({ cfg, uncorsed }) => {
      const { K2vClient, K2vError, causalityToken } = window.k2v;
      const code = async (p: Promise<unknown>) => {
        try {
          await p;
          return 'resolved';
        } catch (e) {
          return e instanceof K2vError ? `${e.code} ${e.status}` : `other: ${String(e)}`;
        }
      };
      const c = new K2vClient(cfg);
      return [
        await code(c.insertItem('p', 'k', 'v', causalityToken('bad'))),
        await code(new K2vClient({ ...cfg, secretAccessKey: 'wrong' }).readItem('p', 'k')),
        await code(new K2vClient({ ...cfg, bucket: uncorsed, retry: { retries: 0 } }).readItem('p', 'k')),
      ];
    }, { cfg: config(), uncorsed });
    assert.deepEqual(codes, ['CausalityToken 400', 'AccessDenied 403', 'NetworkError 0']);
  });

  it('a presigned URL works as a plain link from the page', async () => {
    await ts.client().insertItem('browser-link', 'doc', 'shared text');
    const url = await ts.client().presignReadItem('browser-link', 'doc', { expiresIn: 60 });
    const body = await page.evaluate(async (u) => (await fetch(u)).text(), url);
    assert.equal(body, 'shared text');
  });
});
