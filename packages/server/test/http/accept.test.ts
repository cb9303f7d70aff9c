import { test } from 'node:test';
import assert from 'node:assert/strict';
import { negotiate, type ReadFormat } from '../../src/http/accept.js';
import { K2vError, type ErrorCode } from '../../src/k2v/errors.js';

const CASES: Array<[string | undefined, ReadFormat]> = [
  [undefined, 'json'],
  ['application/json', 'json'],
  ['application/octet-stream', 'binary'],
  ['application/json, application/octet-stream', 'either'],
  ['application/octet-stream,application/json', 'either'],
  ['*/*', 'either'],
  ['application/*', 'either'],
  ['text/html, */*', 'either'],
  ['text/html, application/json', 'json'],
  ['  application/octet-stream  ', 'binary'],
  ['\tapplication/json\t', 'json'],
  // parameters ignored, except q=0
  ['application/json; charset=utf-8', 'json'],
  ['application/json;q=0.5, application/octet-stream;q=0.9', 'either'],
  ['application/json;q=0, application/octet-stream', 'binary'],
  ['application/json; q=0.000, */*', 'binary'],
  ['*/*, application/octet-stream;q=0', 'json'],
  ['application/*;q=0, application/json', 'json'],
  ['application/json;Q=0.0, application/octet-stream;q=0.001', 'binary'],
  ['application/json;q=1, application/json;q=0', 'json'],
  ['application/json;q=0;level=1, */*;q=0.1', 'binary'],
  ['application/json;q=garbage', 'json'],
  // media types compare case-insensitively
  ['Application/JSON', 'json'],
  ['APPLICATION/OCTET-STREAM', 'binary'],
];

for (const [accept, expected] of CASES) {
  test(`Accept ${JSON.stringify(accept)} -> ${expected}`, () => {
    assert.equal(negotiate(accept), expected);
  });
}

const FAIL: Array<[string, ErrorCode]> = [
  ['', 'NotAcceptable'],
  ['text/html', 'NotAcceptable'],
  ['application/xml, text/*', 'NotAcceptable'],
  ['application/json;q=0', 'NotAcceptable'],
  ['*/*;q=0', 'NotAcceptable'],
  ['*/*;q=0, application/*;q=0.0', 'NotAcceptable'],
  ['application/jsonx', 'NotAcceptable'],
  ['application/json\u00e9', 'InvalidHeaderValue'],
  ['application/json\u00c3\u00a9', 'InvalidHeaderValue'],
  ['application/json\u0000', 'InvalidHeaderValue'],
  ['application/json\u007f', 'InvalidHeaderValue'],
  ['application/json\n', 'InvalidHeaderValue'],
];

for (const [accept, code] of FAIL) {
  test(`Accept ${JSON.stringify(accept)} -> ${code}`, () => {
    assert.throws(
      () => negotiate(accept),
      (err: unknown) => err instanceof K2vError && err.code === code,
    );
  });
}
