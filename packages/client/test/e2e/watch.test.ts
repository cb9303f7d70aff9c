/** watchItem / watchRange: woken by another client's writes, through timeouts, errors, abort and break. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { K2vError, type Item, type PollRangeResult, type Watch } from 'k2v-client';
import { tcpRelay } from '../support/proxy.js';
import { startServer, str, uniquePk, useServer, type TestServer } from '../support/server.js';

const next = async <T>(w: Watch<T>): Promise<T> => {
  const r = await w.next();
  if (r.done) throw new Error('the watch ended');
  return r.value;
};
const values = (i: Item) => i.values.map(str);
const sks = (b: PollRangeResult) => b.items.map((i) => [i.sk, i.values.map(str)]);

describe('watchItem', () => {
  const ts = useServer();

  it('yields the current value, then each write made by another client', async () => {
    const pk = uniquePk('watch-item');
    const writer = ts.client();
    await writer.insertItem(pk, 'k', 'v1');
    const w = ts.client().watchItem(pk, 'k', { timeoutSeconds: 30 });
    try {
      const first = await next(w);
      assert.deepEqual(values(first), ['v1']);
      await writer.insertItem(pk, 'k', 'v2', first.token);
      const second = await next(w);
      assert.deepEqual(values(second), ['v2']);
      await writer.deleteItem(pk, 'k', second.token);
      assert.deepEqual((await next(w)).values, [null]);
    } finally {
      await w.return();
    }
  });

  it('waits for the first write of an item that does not exist', async () => {
    const pk = uniquePk('watch-new');
    const w = ts.client().watchItem(pk, 'k', { timeoutSeconds: 30 });
    try {
      const pending = next(w);
      await ts.client().insertItem(pk, 'k', 'born');
      assert.deepEqual(values(await pending), ['born']);
    } finally {
      await w.return();
    }
  });

  it('since: a token skips the versions it covers; initial: false skips the current state', async () => {
    const pk = uniquePk('watch-skip');
    const writer = ts.client();
    await writer.insertItem(pk, 'k', 'v1');
    const v1 = (await writer.readItem(pk, 'k'))!;
    await writer.insertItem(pk, 'k', 'v2', v1.token);
    const fromV1 = ts.client().watchItem(pk, 'k', { since: v1.token, timeoutSeconds: 30 });
    try {
      assert.deepEqual(values(await next(fromV1)), ['v2'], 'v2 is newer than the token: at once');
    } finally {
      await fromV1.return();
    }

    const relay = await tcpRelay(ts.endpoint);
    const w = ts.client({ endpoint: relay.url }).watchItem(pk, 'k', { initial: false, timeoutSeconds: 30 });
    try {
      const change = next(w);
      await relay.requestsSeen(2); // its ReadItem (answered), then its first poll
      const v2 = (await writer.readItem(pk, 'k'))!;
      await writer.insertItem(pk, 'k', 'v3', v2.token);
      assert.deepEqual(values(await change), ['v3']);
    } finally {
      await w.return();
      await relay.close();
    }
  });

  it('polls again after a poll times out, with its token kept', async () => {
    const pk = uniquePk('watch-timeout');
    const writer = ts.client();
    await writer.insertItem(pk, 'k', 'v1');
    const relay = await tcpRelay(ts.endpoint);
    const w = ts.client({ endpoint: relay.url }).watchItem(pk, 'k', { timeoutSeconds: 1, initial: false });
    try {
      const change = next(w);
      // ReadItem, then a first poll that times out (1 s), then a second poll.
      await relay.requestsSeen(3);
      const token = (await writer.readItem(pk, 'k'))!.token;
      await writer.insertItem(pk, 'k', 'v2', token);
      assert.deepEqual(values(await change), ['v2']);
    } finally {
      await w.return();
      await relay.close();
    }
  });

  it('ends on its signal and on break, in-flight poll included', { timeout: 20_000 }, async () => {
    const pk = uniquePk('watch-stop');
    const ac = new AbortController();
    const w = ts.client().watchItem(pk, 'k', { signal: ac.signal, timeoutSeconds: 60 });
    const pending = w.next();
    ac.abort();
    assert.deepEqual(await pending, { done: true, value: undefined });

    const w2 = ts.client().watchItem(pk, 'k', { timeoutSeconds: 60 });
    const pending2 = w2.next();
    await w2.return();
    assert.deepEqual(await pending2, { done: true, value: undefined });

    await ts.client().insertItem(pk, 'k', 'v');
    let seen = 0;
    for await (const item of ts.client().watchItem(pk, 'k', { timeoutSeconds: 60 })) {
      assert.deepEqual(values(item), ['v']);
      seen += 1;
      break;
    }
    assert.equal(seen, 1);
    const stopped = ts.client().watchItem(pk, 'k', { signal: AbortSignal.abort() });
    assert.deepEqual(await stopped.next(), { done: true, value: undefined });
  });

  it('a refusal that would repeat (AccessDenied) ends the watch with the error', async () => {
    const w = ts.client({ secretAccessKey: 'wrong' }).watchItem('p', 'k');
    await assert.rejects(w.next(), (e: unknown) => e instanceof K2vError && e.code === 'AccessDenied');
  });
});

describe('watchRange', () => {
  const ts = useServer();

  it('yields the range, then batches of changes from other clients, tombstones included; resumes from a marker', async () => {
    const pk = uniquePk('watch-range');
    const writer = ts.client();
    await writer.insertBatch([
      { pk, sk: 'msg-1', value: 'one' },
      { pk, sk: 'other', value: 'x' },
    ]);
    const w = ts.client().watchRange(pk, { prefix: 'msg-' }, { timeoutSeconds: 30 });
    let marker: string;
    try {
      const first = await next(w);
      assert.deepEqual(sks(first), [['msg-1', ['one']]]);
      await writer.insertItem(pk, 'other', 'not watched', first.items[0]!.token);
      await writer.insertItem(pk, 'msg-2', 'two');
      assert.deepEqual(sks(await next(w)), [['msg-2', ['two']]]);
      await writer.deleteItem(pk, 'msg-1', first.items[0]!.token);
      const del = await next(w);
      assert.deepEqual(sks(del), [['msg-1', [null]]]);
      marker = del.seenMarker;
    } finally {
      await w.return();
    }
    await writer.insertItem(pk, 'msg-3', 'three');
    const resumed = ts.client().watchRange(pk, { prefix: 'msg-' }, { since: marker, timeoutSeconds: 30 });
    try {
      assert.deepEqual(sks(await next(resumed)), [['msg-3', ['three']]]);
    } finally {
      await resumed.return();
    }
  });

  it('initial: false skips the existing items', async () => {
    const pk = uniquePk('watch-range-new');
    await ts.client().insertItem(pk, 'old', 'x');
    const relay = await tcpRelay(ts.endpoint);
    const w = ts.client({ endpoint: relay.url }).watchRange(pk, {}, { initial: false, timeoutSeconds: 30 });
    try {
      const change = next(w);
      await relay.requestsSeen(2); // the first PollRange (answered: the skipped state), then the waiting one
      await ts.client().insertItem(pk, 'new', 'y');
      assert.deepEqual(sks(await change), [['new', ['y']]]);
    } finally {
      await w.return();
      await relay.close();
    }
  });
});

describe('a watch across a server restart', () => {
  let ts: TestServer;
  before(async () => {
    ts = await startServer();
  });
  after(async () => {
    await ts.stop();
  });

  it('backs off while the server is down and goes on with its marker once it is back', async () => {
    const pk = uniquePk('watch-restart');
    await ts.client().insertItem(pk, 'a', '1');
    const relay = await tcpRelay(ts.endpoint);
    const w = ts.client({ endpoint: relay.url, retry: { retries: 0 } }).watchRange(pk, {}, { timeoutSeconds: 30, minBackoffMs: 100, maxBackoffMs: 500 });
    try {
      assert.deepEqual(sks(await next(w)), [['a', ['1']]]);
      const arrived = relay.nextRequest();
      const change = next(w);
      await arrived;
      await ts.kill('SIGKILL');
      await ts.restart();
      await ts.client().insertItem(pk, 'b', '2');
      assert.deepEqual(sks(await change), [['b', ['2']]]);
    } finally {
      await w.return();
      await relay.close();
    }
  });
});
