import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkPermission } from '../../src/auth/permissions.js';
import { K2vError } from '../../src/k2v/errors.js';

const denied = (e: unknown) => e instanceof K2vError && e.code === 'AccessDenied';

test('the read flag grants read, the write flag grants write', () => {
  checkPermission({ read: true, write: false, owner: false }, 'read');
  checkPermission({ read: false, write: true, owner: false }, 'write');
  checkPermission({ read: true, write: true, owner: true }, 'read');
});

test('a missing flag, no permission entry, or owner alone -> AccessDenied', () => {
  assert.throws(() => checkPermission({ read: false, write: true, owner: false }, 'read'), denied);
  assert.throws(() => checkPermission({ read: true, write: false, owner: false }, 'write'), denied);
  assert.throws(() => checkPermission(undefined, 'read'), denied);
  assert.throws(() => checkPermission({ read: false, write: false, owner: true }, 'read'), denied);
  assert.throws(() => checkPermission({ read: false, write: false, owner: true }, 'write'), denied);
});
