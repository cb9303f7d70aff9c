/**
 * The hosts of a multi-host PostgreSQL URL (src/store/postgres/pg-hosts.ts): each becomes a
 * single-host URL with the same user, database and parameters, target_session_attrs dropped
 * (the store chooses the writable host itself).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitHosts } from '../../../src/store/postgres/pg-hosts.js';

test('a multi-host URL splits into one URL per host, in order, without target_session_attrs', () => {
  assert.deepEqual(splitHosts('postgres://k2v:p%40ss@db1:5432,db2:5433/k2v?target_session_attrs=read-write&statement_timeout=3000'), [
    'postgres://k2v:p%40ss@db1:5432/k2v?statement_timeout=3000',
    'postgres://k2v:p%40ss@db2:5433/k2v?statement_timeout=3000',
  ]);
  assert.deepEqual(splitHosts('postgres://u@a:1,b:2/db?target_session_attrs=read-write'), ['postgres://u@a:1/db', 'postgres://u@b:2/db']);
  assert.deepEqual(splitHosts('postgres://a:1,b:2'), ['postgres://a:1', 'postgres://b:2']);
});

test('a single-host URL is kept as it is', () => {
  const url = 'postgres://u@db:5432/k2v?target_session_attrs=read-write';
  assert.deepEqual(splitHosts(url), [url]);
});
