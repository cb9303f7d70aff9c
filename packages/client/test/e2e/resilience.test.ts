/**
 * What happens around the requests: deadlines, aborts, a server killed mid-poll, retries of
 * reads (and none of writes), keep-alive connection reuse.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EMPTY_TOKEN, K2vError, type K2vErrorCode } from 'k2v-client';
import { blackHole, tcpRelay, httpRelay } from '../support/proxy.js';
import { startServer, str, uniquePk, useServer, type TestServer } from '../support/server.js';

const isCode = (code: K2vErrorCode) => (e: unknown) => e instanceof K2vError && e.code === code && e.status === 0;

describe('deadlines and aborts', () => {
  const ts = useServer();

  it('a poll past its timeoutMs fails with Timeout', async () => {
    const k2v = ts.client();
    await assert.rejects(k2v.pollItem(uniquePk('t'), 'k', EMPTY_TOKEN, { timeoutSeconds: 60, timeoutMs: 300 }), isCode('Timeout'));
  });

  it('the client-wide timeoutMs bounds a call to a server that never answers, retries included', async () => {
    const hole = await blackHole();
    try {
      const k2v = ts.client({ endpoint: hole.url, timeoutMs: 300 });
      await assert.rejects(k2v.readItem('p', 'k'), isCode('Timeout'));
      await assert.rejects(k2v.insertItem('p', 'k', 'v'), isCode('Timeout'));
      await assert.rejects(k2v.readIndex({}, { timeoutMs: 100 }), isCode('Timeout'));
    } finally {
      await hole.close();
    }
  });

  it('aborting a waiting poll fails it with Aborted, the reason kept as cause', async () => {
    const relay = await tcpRelay(ts.endpoint);
    try {
      const k2v = ts.client({ endpoint: relay.url });
      const ac = new AbortController();
      const arrived = relay.nextRequest();
      const poll = k2v.pollItem(uniquePk('a'), 'k', EMPTY_TOKEN, { timeoutSeconds: 60, signal: ac.signal });
      await arrived;
      ac.abort(new Error('user left'));
      await assert.rejects(poll, (e: unknown) => isCode('Aborted')(e) && (e as K2vError).cause instanceof Error && ((e as K2vError).cause as Error).message === 'user left');
    } finally {
      await relay.close();
    }
  });

  it('an already aborted signal sends nothing', async () => {
    const relay = await tcpRelay(ts.endpoint);
    try {
      const k2v = ts.client({ endpoint: relay.url });
      await assert.rejects(k2v.insertItem(uniquePk('a'), 'k', 'v', undefined, { signal: AbortSignal.abort() }), isCode('Aborted'));
      assert.equal(relay.connections, 0);
    } finally {
      await relay.close();
    }
  });
});

describe('retries', () => {
  const ts = useServer();

  it('reads are retried on 503 and succeed; writes are not retried', async () => {
    const pk = uniquePk('retry');
    await ts.client().insertItem(pk, 'k', 'v');

    const reads = await httpRelay(ts.endpoint, 2);
    try {
      const item = await ts.client({ endpoint: reads.url, retry: { minDelayMs: 10 } }).readItem(pk, 'k');
      assert.deepEqual(item?.values.map(str), ['v']);
      assert.equal(reads.requests, 3);
    } finally {
      await reads.close();
    }

    const writes = await httpRelay(ts.endpoint, 1);
    try {
      const k2v = ts.client({ endpoint: writes.url, retry: { minDelayMs: 10 } });
      await assert.rejects(k2v.insertItem(pk, 'w', 'v'), (e: unknown) => e instanceof K2vError && e.code === 'ServiceUnavailable' && e.status === 503);
      assert.equal(writes.requests, 1);
      assert.equal(await ts.client().readItem(pk, 'w'), undefined);
    } finally {
      await writes.close();
    }
  });

  it('a read gives up after its retries with the last answer: 503 ServiceUnavailable', async () => {
    const relay = await httpRelay(ts.endpoint, 100);
    try {
      const k2v = ts.client({ endpoint: relay.url, retry: { retries: 2, minDelayMs: 10 } });
      await assert.rejects(k2v.readIndex(), (e: unknown) => e instanceof K2vError && e.code === 'ServiceUnavailable' && e.retryable);
      assert.equal(relay.requests, 3);
    } finally {
      await relay.close();
    }
  });

  it('Node keeps one connection alive across calls (global fetch, undici)', async () => {
    const relay = await tcpRelay(ts.endpoint);
    try {
      const k2v = ts.client({ endpoint: relay.url });
      const pk = uniquePk('keepalive');
      for (let i = 0; i < 5; i++) {
        await k2v.insertItem(pk, `k${i}`, `v${i}`);
        await k2v.readItem(pk, `k${i}`);
      }
      assert.equal(await k2v.readItem(pk, 'missing'), undefined, 'a 404 answer too');
      await k2v.readBatch([{ partitionKey: pk }]);
      await k2v.readIndex();
      assert.equal(relay.connections, 1);
    } finally {
      await relay.close();
    }
  });
});

describe('a server that stops mid-request', () => {
  let ts: TestServer;
  before(async () => {
    ts = await startServer();
  });
  after(async () => {
    await ts.stop();
  });

  it('SIGKILL during a poll: NetworkError without retries; a write to a dead server is sent once', async () => {
    const relay = await tcpRelay(ts.endpoint);
    try {
      const k2v = ts.client({ endpoint: relay.url, retry: { retries: 0 } });
      const arrived = relay.nextRequest();
      const poll = k2v.pollItem(uniquePk('kill'), 'k', EMPTY_TOKEN, { timeoutSeconds: 60 });
      await arrived;
      // Handled before the kill: the poll may fail while kill() is still waiting for the exit, and
      // an unhandled rejection would end the test before its finally restarts the server.
      const failed = assert.rejects(poll, (e: unknown) => isCode('NetworkError')(e) && /socket|closed|terminated|fetch failed/i.test((e as Error).message));
      await ts.kill('SIGKILL');
      await failed;

      const writer = ts.client({ endpoint: relay.url });
      const before = relay.connections;
      await assert.rejects(writer.insertItem('p', 'k', 'v'), isCode('NetworkError'));
      assert.equal(relay.connections - before, 1, 'the write was not retried');
    } finally {
      await ts.restart();
      await relay.close();
    }
  });

  it('SIGKILL during a poll with retries: the poll goes on against the restarted server', async () => {
    const relay = await tcpRelay(ts.endpoint);
    try {
      const pk = uniquePk('survive');
      const k2v = ts.client({ endpoint: relay.url, retry: { retries: 20, minDelayMs: 100, maxDelayMs: 1_000 } });
      await k2v.insertItem(pk, 'k', 'v1');
      const token = (await k2v.readItem(pk, 'k'))!.token;
      const arrived = relay.nextRequest();
      const poll = k2v.pollItem(pk, 'k', token, { timeoutSeconds: 60 });
      await arrived;
      await ts.kill('SIGKILL');
      await ts.restart();
      await ts.client().insertItem(pk, 'k', 'v2', token);
      assert.deepEqual((await poll)?.values.map(str), ['v2']);
      assert.ok(relay.connections >= 2, 'it reconnected');
    } finally {
      await relay.close();
    }
  });
});
