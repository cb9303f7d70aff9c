import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAmzDate } from '../../src/auth/amz-date.js';

test('parses YYYYMMDDTHHMMSSZ as UTC', () => {
  assert.equal(parseAmzDate('20150830T123600Z'), Date.UTC(2015, 7, 30, 12, 36, 0));
  assert.equal(parseAmzDate('20240229T235959Z'), Date.UTC(2024, 1, 29, 23, 59, 59));
});

test('rejects other formats and out-of-range fields', () => {
  for (const bad of [
    '',
    '2015-08-30T12:36:00Z',
    '20150830T123600',
    '20150830T123600z',
    '20150830 123600Z',
    '20151330T123600Z',
    '20230229T000000Z',
    '20150830T246000Z',
    '20150830T123660Z',
    ' 20150830T123600Z',
  ]) {
    assert.equal(parseAmzDate(bad), undefined, bad);
  }
});
