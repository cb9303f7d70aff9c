import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import { K2vError } from '../../src/k2v/errors.js';
import { checkRange, inRange, RangeWalker, scanStart, type RangeSpec, type ScanFrom } from '../../src/k2v/range.js';
import { keyArb } from './sim.js';

const byteOrder = (a: string, b: string): number => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

/** The contract's section 8 read literally: sort everything, keep what matches, cut at limit. */
function reference(keys: readonly string[], spec: RangeSpec, keep: (k: string) => boolean) {
  const sorted = [...keys].sort(byteOrder);
  if (spec.reverse) sorted.reverse();
  const dir = spec.reverse ? -1 : 1;
  const matching = sorted.filter(
    (k) =>
      (spec.start === undefined || dir * byteOrder(k, spec.start) >= 0) &&
      (spec.prefix === undefined || k.startsWith(spec.prefix)) &&
      (spec.end === undefined || dir * byteOrder(k, spec.end) < 0) &&
      keep(k),
  );
  const limit = spec.limit ?? Infinity;
  const more = matching.length > limit;
  return { items: matching.slice(0, limit), end: { more, nextStart: more ? matching[limit]! : null } };
}

/** A store iterator over a sorted array, positioned as a store would position it by `from`. */
class FakeScan implements Iterator<string> {
  pulls = 0;
  returned = 0;
  private readonly keys: string[];
  private i: number;

  constructor(keys: readonly string[], from: ScanFrom | undefined, reverse: boolean) {
    this.keys = [...keys].sort(byteOrder);
    if (reverse) this.keys.reverse();
    const at = (k: string): boolean => {
      if (from === undefined) return true;
      const c = Buffer.compare(Buffer.from(k, 'utf8'), from.key) * (reverse ? -1 : 1);
      return from.inclusive ? c >= 0 : c > 0;
    };
    this.i = this.keys.findIndex(at);
    if (this.i < 0) this.i = this.keys.length;
  }

  next(): IteratorResult<string> {
    this.pulls++;
    if (this.i >= this.keys.length) return { done: true, value: undefined };
    return { done: false, value: this.keys[this.i++]! };
  }

  return(): IteratorResult<string> {
    this.returned++;
    return { done: true, value: undefined };
  }

  /** Entries the scan would produce from its position. */
  remaining(): number {
    return this.keys.length - this.i;
  }
}

/** Drives a RangeWalker from a pull iterator, as a backend's page filler does. */
function runWalk(it: Iterator<string>, spec: RangeSpec, keep?: (k: string) => boolean) {
  const walker = new RangeWalker<string>(spec, (k) => k, keep);
  const items: string[] = [];
  for (;;) {
    const r = it.next();
    if (r.done === true) return { items, end: walker.end() };
    const o = walker.offer(r.value);
    if (o === 'take') items.push(r.value);
    if (o === 'stop') {
      it.return?.();
      return { items, end: walker.end() };
    }
  }
}

const validSpec: fc.Arbitrary<RangeSpec> = fc
  .record({
    prefix: fc.option(keyArb, { nil: undefined }),
    startSuffix: fc.option(keyArb, { nil: undefined }),
    end: fc.option(keyArb, { nil: undefined }),
    limit: fc.option(fc.nat(6), { nil: undefined }),
    reverse: fc.boolean(),
  })
  .map(({ prefix, startSuffix, end, limit, reverse }) => ({
    prefix,
    start: startSuffix === undefined ? undefined : (prefix ?? '') + startSuffix,
    end,
    limit,
    reverse,
  }));

const keySet = fc.uniqueArray(keyArb, { maxLength: 30 });

describe('RangeWalker over a store positioned by scanStart', () => {
  it('equals the literal reading of the contract', () => {
    fc.assert(
      fc.property(keySet, validSpec, fc.func(fc.boolean()), fc.boolean(), (keys, spec, f, useFilter) => {
        assert.equal(checkRange(spec), undefined);
        const keep = useFilter ? (k: string) => f(k) : () => true;
        const scan = new FakeScan(keys, scanStart(spec), spec.reverse);
        const got = runWalk(scan, spec, useFilter ? keep : undefined);
        assert.deepEqual(got, reference(keys, spec, keep));
      }),
      { numRuns: 3000 },
    );
  });

  it('stops pulling at the first decisive entry and closes the scan', () => {
    fc.assert(
      fc.property(keySet, validSpec, (keys, spec) => {
        const scan = new FakeScan(keys, scanStart(spec), spec.reverse);
        const available = scan.remaining();
        const got = runWalk(scan, spec);
        if (scan.returned === 0) {
          // Ran to the end of the scan: every entry pulled, then the final `done`.
          assert.equal(scan.pulls, available + 1);
          assert.equal(got.end.more, false);
        } else {
          assert.equal(scan.returned, 1);
          assert.ok(scan.pulls <= available);
          // No filter: only the stop entry was pulled beyond the returned ones.
          assert.equal(scan.pulls, got.items.length + 1);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('answers stop to everything after a stop, and is full once the limit is taken', () => {
    const walker = new RangeWalker<string>({ limit: 2, reverse: false }, (x) => x);
    assert.equal(walker.offer('a'), 'take');
    assert.equal(walker.full, false);
    assert.equal(walker.offer('b'), 'take');
    assert.equal(walker.full, true);
    assert.equal(walker.offer('c'), 'stop');
    assert.equal(walker.offer('d'), 'stop');
    assert.deepEqual(walker.end(), { more: true, nextStart: 'c' });
    const bounded = new RangeWalker<string>({ end: 'b', reverse: false }, (x) => x);
    assert.equal(bounded.offer('a'), 'take');
    assert.equal(bounded.offer('b'), 'stop');
    assert.equal(bounded.offer('a'), 'stop');
    assert.deepEqual(bounded.end(), { more: false, nextStart: null });
  });

  it('limit 0 yields nothing and says whether anything matches', () => {
    const keys = ['a', 'b', 'c'];
    assert.deepEqual(runWalk(new FakeScan(keys, undefined, false), { limit: 0, reverse: false }), {
      items: [],
      end: { more: true, nextStart: 'a' },
    });
    const none = { prefix: 'z', limit: 0, reverse: false };
    assert.deepEqual(runWalk(new FakeScan(keys, scanStart(none), false), none), {
      items: [],
      end: { more: false, nextStart: null },
    });
    const filtered = runWalk(new FakeScan(keys, undefined, false), { limit: 0, reverse: false }, (k) => k === 'c');
    assert.deepEqual(filtered, { items: [], end: { more: true, nextStart: 'c' } });
  });

  it('treats an inverted range as empty', () => {
    const spec = { start: 'c', end: 'a', reverse: false };
    assert.deepEqual(runWalk(new FakeScan(['a', 'b', 'c', 'd'], scanStart(spec), false), spec).items, []);
    const rev = { start: 'a', end: 'c', reverse: true };
    assert.deepEqual(runWalk(new FakeScan(['a', 'b', 'c', 'd'], scanStart(rev), true), rev).items, []);
  });

  it('orders astral characters after U+FFFF', () => {
    const keys = ['\u{1f600}', '\uffff', 'a'];
    const spec = { reverse: false };
    assert.deepEqual(runWalk(new FakeScan(keys, scanStart(spec), false), spec).items, ['a', '\uffff', '\u{1f600}']);
    const end = { end: '\u{1f600}', reverse: false };
    assert.deepEqual(runWalk(new FakeScan(keys, scanStart(end), false), end).items, ['a', '\uffff']);
  });
});

describe('scanStart', () => {
  const bytes = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'utf8'));

  it('begins at start, else prefix, else nowhere in particular', () => {
    assert.equal(scanStart({ reverse: false }), undefined);
    assert.equal(scanStart({ reverse: true }), undefined);
    assert.deepEqual(scanStart({ prefix: 'ab', reverse: false }), { key: bytes('ab'), inclusive: true });
    assert.deepEqual(scanStart({ prefix: 'ab', start: 'abc', reverse: false }), { key: bytes('abc'), inclusive: true });
    assert.deepEqual(scanStart({ prefix: 'ab', start: 'abc', reverse: true }), { key: bytes('abc'), inclusive: true });
  });

  it('in reverse with a prefix only, begins below the first key after the prefix', () => {
    assert.deepEqual(scanStart({ prefix: 'ab', reverse: true }), { key: bytes('ac'), inclusive: false });
    assert.deepEqual(scanStart({ prefix: '\u{10ffff}', reverse: true }), {
      key: new Uint8Array([0xf4, 0x8f, 0xbf, 0xc0]),
      inclusive: false,
    });
    assert.equal(scanStart({ prefix: '', reverse: true }), undefined);
  });
});

describe('checkRange', () => {
  it('requires start to begin with prefix', () => {
    assert.equal(checkRange({ prefix: 'a', start: 'ab' }), undefined);
    assert.equal(checkRange({ prefix: 'a' }), undefined);
    assert.equal(checkRange({ start: 'b' }), undefined);
    const err = checkRange({ prefix: 'a', start: 'b' });
    assert.ok(err instanceof K2vError);
    assert.equal(err.code, 'InvalidRequest');
  });
});

describe('inRange', () => {
  it('is prefix, start inclusive and end exclusive in byte order', () => {
    fc.assert(
      fc.property(keyArb, validSpec, (k, spec) => {
        const ref = reference([k], { ...spec, reverse: false, limit: undefined }, () => true);
        assert.equal(inRange(k, spec), ref.items.length === 1);
      }),
      { numRuns: 2000 },
    );
  });
});
