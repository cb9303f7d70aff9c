/**
 * GET /metrics on the admin listener after real traffic: Garage's K2V names and labels
 * (api_k2v_request_counter, api_k2v_error_counter with status_code, api_k2v_request_duration
 * histogram), the admin API's own, the store's commits and size, long polls held, connections,
 * process metrics; and the metrics token (open without one, as in Garage).
 */
import { tcpAddress } from '../../src/server/running-server.js';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { b64, enc, expectError, insertBatch, putItem, readBatch, readItem, rawSend, uniquePk, useTestServer } from './harness.js';
import { eventually, openWaiters, within } from './support-http.js';
import { parseExposition, scrape, value } from './support-metrics.js';
import { TEST_DB_ENGINE } from './db-engine.js';

describe('GET /metrics without a metrics token (open, as in Garage)', () => {
  const ts = useTestServer();

  test('counts K2V requests by endpoint, errors by status code, durations in histogram buckets', async () => {
    const pk = uniquePk('metrics');
    for (let i = 0; i < 3; i++) await putItem(ts, pk, `s${i}`, `v${i}`);
    assert.ok(await readItem(ts, pk, 's0'));
    assert.ok(await readItem(ts, pk, 's1'));
    assert.equal(await readItem(ts, pk, 'missing'), undefined);
    await insertBatch(ts, [{ pk, sk: 'b1', v: b64('x') }, { pk, sk: 'b2', v: b64('y') }]);
    assert.equal((await readBatch(ts, [{ partitionKey: pk }]))[0]?.items.length, 5);
    // Refused before authentication still counts for its endpoint (Garage routes first) ...
    expectError(await ts.request({ path: `/${ts.bucket}/${enc(pk)}?sort_key=s0`, sign: false }), 403, 'AccessDenied');
    // ... an unknown endpoint does not (nothing to label it with).
    assert.equal((await ts.request({ method: 'PATCH', path: `/${ts.bucket}` })).status, 400);

    const res = await scrape(ts);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.type, 'text/plain; version=0.0.4; charset=utf-8');
    const s = parseExposition(res.text);
    assert.equal(value(s, 'api_k2v_request_counter', { api_endpoint: 'InsertItem' }), 3);
    assert.equal(value(s, 'api_k2v_request_counter', { api_endpoint: 'ReadItem' }), 4);
    assert.equal(value(s, 'api_k2v_request_counter', { api_endpoint: 'InsertBatch' }), 1);
    assert.equal(value(s, 'api_k2v_request_counter', { api_endpoint: 'ReadBatch' }), 1);
    assert.equal(value(s, 'api_k2v_error_counter', { api_endpoint: 'ReadItem', status_code: '404' }), 1);
    assert.equal(value(s, 'api_k2v_error_counter', { api_endpoint: 'ReadItem', status_code: '403' }), 1);
    assert.equal(value(s, 'api_k2v_error_counter', { api_endpoint: 'InsertItem' }), undefined, 'no InsertItem failed');
    assert.ok(!s.some((x) => x.name.startsWith('api_k2v_') && x.labels['api_endpoint'] === undefined), 'every K2V sample has an endpoint');

    // A histogram in seconds with Garage's boundaries: cumulative buckets up to +Inf = count.
    const buckets = s.filter((x) => x.name === 'api_k2v_request_duration_bucket' && x.labels['api_endpoint'] === 'ReadItem');
    assert.deepEqual(
      buckets.slice(0, 3).map((b) => b.labels['le']),
      ['0.001', '0.0015', '0.002'],
    );
    assert.equal(buckets.at(-1)?.labels['le'], '+Inf');
    assert.equal(buckets.at(-1)?.value, 4);
    for (let i = 1; i < buckets.length; i++) assert.ok(buckets[i]!.value >= buckets[i - 1]!.value, 'cumulative');
    assert.equal(value(s, 'api_k2v_request_duration_count', { api_endpoint: 'ReadItem' }), 4);
    const sum = value(s, 'api_k2v_request_duration_sum', { api_endpoint: 'ReadItem' }) ?? -1;
    assert.ok(sum > 0 && sum < 60, `seconds, not ms: ${sum}`);

    // The store: every durable write went through a commit; nothing waits now.
    const commits = value(s, 'k2v_store_commit_batch_size_count') ?? 0;
    assert.ok(commits >= 1, `commits: ${commits}`);
    const writes = value(s, 'k2v_store_commit_batch_size_sum') ?? 0;
    assert.ok(writes >= 4, `at least the 3 InsertItem and the InsertBatch (plus admin writes are metadata): ${writes}`);
    assert.ok(writes >= commits, 'a commit carries at least one write');
    assert.equal(value(s, 'k2v_store_commit_duration_seconds_count'), commits);
    assert.equal(value(s, 'k2v_store_commit_sync_duration_seconds_count'), commits);
    assert.ok((value(s, 'k2v_store_commit_sync_duration_seconds_sum') ?? -1) <= (value(s, 'k2v_store_commit_duration_seconds_sum') ?? 0));
    assert.equal(value(s, 'k2v_store_writes_waiting'), 0);
    // The size gauges are LMDB's map budget and data file; a PostgreSQL store has neither.
    if (TEST_DB_ENGINE === 'lmdb') {
      assert.ok((value(s, 'k2v_store_used_bytes') ?? 0) > 0);
      assert.equal(value(s, 'k2v_store_map_limit_bytes'), ts.config.mapSizeBytes);
      assert.ok((value(s, 'k2v_store_file_bytes') ?? 0) > 0);
      assert.ok((value(s, 'k2v_store_disk_free_bytes') ?? 0) > 0);
    }
    assert.ok((value(s, 'k2v_open_connections', { listener: 'admin' }) ?? 0) >= 1, 'this scrape is an open admin connection');
    assert.notEqual(value(s, 'k2v_open_connections', { listener: 'k2v' }), undefined);
    assert.equal(value(s, 'k2v_polls_held'), 0);
    assert.ok((value(s, 'process_cpu_user_seconds_total') ?? -1) >= 0, 'process metrics');
    assert.ok(s.some((x) => x.name === 'nodejs_eventloop_lag_seconds'), 'event loop lag');
  });

  test('the admin API is counted too (api_admin_*), /metrics included', async () => {
    const before = parseExposition((await scrape(ts)).text);
    const res = await ts.admin('GET', '/v1/key?id=GK00000000000000000000dead');
    assert.equal(res.status, 404, res.text());
    const after = parseExposition((await scrape(ts)).text);
    assert.equal(value(after, 'api_admin_request_counter', { api_endpoint: 'Metrics' }), (value(before, 'api_admin_request_counter', { api_endpoint: 'Metrics' }) ?? 0) + 1);
    assert.equal(value(after, 'api_admin_error_counter', { api_endpoint: 'GetKeyInfo', status_code: '404' }), 1);
    assert.ok((value(after, 'api_admin_request_counter', { api_endpoint: 'CreateBucket' }) ?? 0) >= 1, 'the harness created a bucket');
  });

  test('v1 and v2 admin calls of the same operation count under their own labels (ListKeys, /v2/ListKeys)', async () => {
    const before = parseExposition((await scrape(ts)).text);
    assert.equal((await ts.admin('GET', '/v1/key')).status, 200);
    assert.equal((await ts.admin('GET', '/v2/ListKeys')).status, 200);
    assert.equal((await ts.admin('GET', '/v2/ListKeys')).status, 200);
    assert.equal((await ts.admin('GET', '/v2/GetKeyInfo?id=GK00000000000000000000dead')).status, 404);
    const after = parseExposition((await scrape(ts)).text);
    const delta = (labels: Record<string, string>, name = 'api_admin_request_counter'): number => (value(after, name, labels) ?? 0) - (value(before, name, labels) ?? 0);
    assert.equal(delta({ api_endpoint: 'ListKeys' }), 1);
    assert.equal(delta({ api_endpoint: '/v2/ListKeys' }), 2);
    assert.equal(delta({ api_endpoint: '/v2/GetKeyInfo', status_code: '404' }, 'api_admin_error_counter'), 1);
    assert.equal(delta({ api_endpoint: 'GetKeyInfo', status_code: '404' }, 'api_admin_error_counter'), 0);
    assert.equal(delta({ api_endpoint: '/v2/ListKeys' }, 'api_admin_request_duration_count'), 2);
  });

  test('long polls held', async () => {
    const pk = uniquePk('metrics-poll');
    await putItem(ts, pk, 'p', 'v0');
    const item = await readItem(ts, pk, 'p');
    assert.ok(item);
    const poll = ts.request({ path: `/${ts.bucket}/${enc(pk)}?sort_key=p&causality_token=${item.ct}&timeout=30` });
    await eventually(async () => (await openWaiters(ts.server)) === 1, 10_000, 'the poll is held');
    assert.equal(value(parseExposition((await scrape(ts)).text), 'k2v_polls_held'), 1);
    await putItem(ts, pk, 'p', 'v1', item.ct);
    assert.equal((await within(poll, 10_000, 'poll')).status, 200);
    const s = parseExposition((await scrape(ts)).text);
    assert.equal(value(s, 'k2v_polls_held'), 0);
    assert.equal(value(s, 'api_k2v_request_counter', { api_endpoint: 'PollItem' }), 1);
  });
});

describe('GET /metrics with a metrics token', () => {
  const ts = useTestServer({ metricsToken: 'metrics-secret' });

  test('without the token, with a wrong one or with the admin token: 403; with it: 200', async () => {
    for (const auth of [undefined, 'Bearer wrong', `Bearer ${ts.adminToken}`, 'metrics-secret']) {
      const res = await scrape(ts, auth);
      assert.equal(res.status, 403, `${auth}: ${res.text}`);
      assert.equal(JSON.parse(res.text).code, 'AccessDenied');
      assert.ok(!res.text.includes('api_k2v'), 'no metrics leak');
    }
    const ok = await scrape(ts, 'Bearer metrics-secret');
    assert.equal(ok.status, 200);
    assert.ok(ok.text.includes('# TYPE api_k2v_request_counter counter'), ok.text.slice(0, 300));
    // /health stays open.
    const health = await rawSend({ host: tcpAddress(ts.server.admin).host, port: tcpAddress(ts.server.admin).port, method: 'GET', path: '/health', headers: {}, body: undefined });
    assert.equal(health.status, 200);
  });
});
