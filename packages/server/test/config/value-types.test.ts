/**
 * Value types of the settings and listen addresses.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBindAddress } from '../../src/config/bind-address.js';
import { BadValue } from '../../src/config/config-error.js';
import { boolean, byteSize, formatBytes, wholeNumber } from '../../src/config/value-types.js';

describe('byteSize', () => {
  const t = byteSize(2 ** 20, 2 ** 20);
  test('plain numbers: MiB as text, bytes in TOML; units mean the same everywhere', () => {
    assert.equal(t.fromText('65536'), 64 * 2 ** 30);
    assert.equal(t.fromToml(2 ** 30), 2 ** 30);
    for (const [s, n] of [['64GiB', 64 * 2 ** 30], ['1T', 1e12], ['1TiB', 2 ** 40], ['512 MiB', 512 * 2 ** 20], ['2g', 2e9], ['1.5GiB', 1.5 * 2 ** 30]] as const) {
      assert.equal(t.fromText(s), n, s);
      assert.equal(t.fromToml(s), n, s);
    }
  });
  test('refused: no number, unknown unit, below the minimum, not a number in TOML', () => {
    for (const s of ['', 'big', '12 parsecs', '-1', '0']) assert.throws(() => t.fromText(s), BadValue, s);
    assert.throws(() => t.fromToml(1000), BadValue);
    assert.throws(() => t.fromToml(true), BadValue);
    assert.throws(() => t.fromToml(1.5), BadValue);
  });
  test('formatBytes is read back', () => {
    for (const n of [2 ** 20, 64 * 2 ** 30, 3 * 2 ** 40, 1e12, 1234567]) assert.equal(t.fromToml(formatBytes(n)), n);
  });
});

describe('wholeNumber and boolean', () => {
  test('text and TOML forms', () => {
    const n = wholeNumber(1);
    assert.equal(n.fromText('42'), 42);
    assert.equal(n.fromToml(42), 42);
    for (const s of ['4.2', '1e3', ' 1', '0', '', '99999999999999999999']) assert.throws(() => n.fromText(s), BadValue, s);
    assert.throws(() => n.fromToml('42'), BadValue);
    assert.equal(boolean.fromText('TRUE'), true);
    assert.equal(boolean.fromText('0'), false);
    assert.throws(() => boolean.fromText('maybe'), BadValue);
    assert.throws(() => boolean.fromToml('true'), BadValue);
  });
});

describe('parseBindAddress', () => {
  test('HOST:PORT, [IPv6]:PORT, or an absolute Unix socket path', () => {
    assert.deepEqual(parseBindAddress('127.0.0.1:3904', 'K2V'), { kind: 'tcp', host: '127.0.0.1', port: 3904 });
    assert.deepEqual(parseBindAddress('[::]:3902', 'K2V'), { kind: 'tcp', host: '::', port: 3902 });
    assert.deepEqual(parseBindAddress('localhost:0', 'K2V'), { kind: 'tcp', host: 'localhost', port: 0 });
    assert.deepEqual(parseBindAddress('/run/k2v/k2v.sock', 'K2V'), { kind: 'unix', path: '/run/k2v/k2v.sock' });
    for (const s of ['3904', '127.0.0.1', '[::]', '127.0.0.1:65536', 'k2v.sock', ':3904']) {
      assert.throws(() => parseBindAddress(s, 'K2V'), /invalid K2V address/, s);
    }
  });
});
