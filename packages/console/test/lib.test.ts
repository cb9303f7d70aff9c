/** The console's pure parts: value previews, URL fragments, snippets. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { base64, fromBase64, hexDump, naturalKind, oneLine, render, utf8 } from '../src/lib/preview.js';
import { href, parse, type Route } from '../src/lib/route.js';
import { itemSnippets, shellQuote } from '../src/lib/snippets.js';

const bytes = (s: string) => new TextEncoder().encode(s);

describe('previews', () => {
  it('picks text, JSON or hex from the bytes', () => {
    assert.equal(naturalKind(bytes('hello')), 'text');
    assert.equal(naturalKind(bytes('{"a":1}')), 'json');
    assert.equal(naturalKind(new Uint8Array([0xff, 0xfe])), 'hex');
    assert.equal(naturalKind(new Uint8Array([0, 1, 2])), 'hex', 'control bytes are binary');
    assert.equal(render(bytes('{"a":[1,2]}'), 'auto').text, '{\n  "a": [\n    1,\n    2\n  ]\n}');
    assert.equal(render(new Uint8Array([0xff]), 'text').kind, 'hex', 'non-UTF-8 cannot be text');
    assert.equal(utf8(bytes('é\n\t')), 'é\n\t');
  });

  it('hex dump and base64 round trip', () => {
    assert.equal(hexDump(new Uint8Array([0, 1, 0x41])), `00000000  ${'00 01 41'.padEnd(47)}  ..A`);
    for (const s of ['', 'a', 'ab', 'abc', 'abcd']) {
      assert.equal(base64(bytes(s)), Buffer.from(s).toString('base64'));
      assert.deepEqual(fromBase64(base64(bytes(s))), bytes(s));
    }
    assert.equal(fromBase64('not base64!'), undefined);
  });

  it('one-line previews are cut', () => {
    assert.equal(oneLine(bytes('a\nb')), 'a b');
    assert.equal(oneLine(bytes('x'.repeat(100)), 10), `${'x'.repeat(9)}…`);
  });
});

describe('routes', () => {
  it('round-trip any key, hostile or not', () => {
    const keys = ['plain', 'a/b?c#d&e=f', '<script>alert(1)</script>', 'é 💥 %2F', ''];
    for (const k of keys) {
      const routes: Route[] = [
        { view: 'item', bucket: 'b', pk: k || 'x', sk: k || 'y' },
        { view: 'items', bucket: 'b', pk: k || 'x', prefix: k, start: k, end: k, mode: 'conflicts' },
        { view: 'partitions', bucket: 'b', prefix: k, start: k },
        { view: 'tail', bucket: 'b', pk: k || 'x', prefix: k },
      ];
      for (const r of routes) assert.deepEqual(parse(href(r)), r, href(r));
    }
    assert.deepEqual(parse('#/keys'), { view: 'keys' });
    assert.deepEqual(parse('#/nonsense/%E0'), { view: 'buckets' });
  });
});

describe('snippets', () => {
  it('quote for the shell and never hold a secret', () => {
    assert.equal(shellQuote("it's"), `'it'\\''s'`);
    assert.equal(shellQuote('plain-key'), 'plain-key');
    const s = itemSnippets('bucket', "pk 'x'", 'sk$(rm)', 'TOKEN');
    assert.match(s.cli, /^k2v -b bucket read 'pk '\\''x'\\''' 'sk\$\(rm\)'$/m);
    assert.match(s.curl, /sort_key=sk%24\(rm\)/);
    assert.match(s.client, /readItem\("pk 'x'", "sk\$\(rm\)"\)/);
    assert.match(s.curl, /\$AWS_SECRET_ACCESS_KEY/);
  });
});
