import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseContentSha256 } from '../../src/auth/content-sha256.js';
import { K2vError } from '../../src/k2v/errors.js';

const HEX = '9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e';

test('absent, UNSIGNED-PAYLOAD, or 64 hex characters (kept as sent, compared in lower case)', () => {
  assert.deepEqual(parseContentSha256(undefined), { kind: 'absent' });
  assert.deepEqual(parseContentSha256('UNSIGNED-PAYLOAD'), { kind: 'unsigned' });
  assert.deepEqual(parseContentSha256(HEX), { kind: 'sha256', text: HEX, hex: HEX });
  assert.deepEqual(parseContentSha256(HEX.toUpperCase()), { kind: 'sha256', text: HEX.toUpperCase(), hex: HEX });
});

test('anything else -> InvalidRequest; streaming payloads are "not supported"', () => {
  for (const bad of ['', 'unsigned-payload', HEX.slice(1), HEX + '0', 'z' + HEX.slice(1), ` ${HEX}`]) {
    assert.throws(() => parseContentSha256(bad), (e: unknown) => e instanceof K2vError && e.code === 'InvalidRequest', bad);
  }
  for (const streaming of [
    'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
    'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
    'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER',
  ]) {
    assert.throws(
      () => parseContentSha256(streaming),
      (e: unknown) => e instanceof K2vError && e.code === 'InvalidRequest' && e.message.includes('not supported'),
    );
  }
});
