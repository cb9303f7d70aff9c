import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import { causalContext, EMPTY_ITEM, isNewer, update, type DvvsItem, type VectorClock } from '../../src/k2v/dvvs.js';
import {
  decodeSeenMarker,
  emptySeenMarker,
  encodeSeenMarker,
  isNewItem,
  markSeen,
  restrict,
  SEEN_MARKER_MAX_CHARS,
  type SeenMarker,
} from '../../src/k2v/seen-marker.js';
import { inRange } from '../../src/k2v/range.js';
import { keyArb } from './sim.js';

const SERVER = 0xdeadbeef01234567n;
const U64_MAX = (1n << 64n) - 1n;
const MAX = SEEN_MARKER_MAX_CHARS;

/** One partition of a one-node store: every write stamps SERVER with its monotone clock. */
class SimStore {
  readonly items = new Map<string, DvvsItem>();
  private readonly contexts: Map<bigint, bigint>[] = [];
  private last = 0n;
  private now = 1_700_000_000_000n;

  write(w: Write): void {
    const item = this.items.get(w.sk) ?? EMPTY_ITEM;
    let token: VectorClock | undefined;
    if (w.token.kind === 'current') token = causalContext(item);
    else if (w.token.kind === 'earlier' && this.contexts.length > 0) token = this.contexts[w.token.i % this.contexts.length];
    else if (w.token.kind === 'forged') token = new Map(w.token.pairs);
    this.now += BigInt(w.dt);
    const r = update(item, SERVER, token, w.value ? new Uint8Array([1]) : null, this.now > this.last ? this.now : this.last);
    this.last = r.t;
    this.items.set(w.sk, r.item);
    this.contexts.push(causalContext(r.item));
  }

  watermark(): Map<bigint, bigint> {
    return new Map([[SERVER, this.last]]);
  }

  scan(): { sk: string; ctx: Map<bigint, bigint> }[] {
    return [...this.items].map(([sk, item]) => ({ sk, ctx: causalContext(item) }));
  }
}

type Token =
  | { kind: 'none' }
  | { kind: 'current' }
  | { kind: 'earlier'; i: number }
  | { kind: 'forged'; pairs: [bigint, bigint][] };
interface Write {
  sk: string;
  token: Token;
  value: boolean;
  dt: number;
}

const tokenArb: fc.Arbitrary<Token> = fc.oneof(
  fc.constant({ kind: 'none' as const }),
  fc.constant({ kind: 'current' as const }),
  fc.record({ kind: fc.constant('earlier' as const), i: fc.nat() }),
  fc.record({
    kind: fc.constant('forged' as const),
    // Client-invented node ids, as any client may send; never SERVER with a huge time.
    pairs: fc.array(fc.tuple(fc.constantFrom(3n, 77n, U64_MAX), fc.bigInt(0n, 1n << 50n)), { maxLength: 2 }),
  }),
);
const writeArb: fc.Arbitrary<Write> = fc.record({
  sk: fc.constantFrom('', 'a', 'ab', 'b', '\u00e9', '\u{1f600}'),
  token: tokenArb,
  value: fc.boolean(),
  dt: fc.nat(2),
});
const writes = (max: number) => fc.array(writeArb, { maxLength: max });

const roundTrip = (m: SeenMarker): SeenMarker => {
  const text = encodeSeenMarker(m);
  assert.ok(text.length <= MAX);
  const back = decodeSeenMarker(text, MAX);
  assert.ok(back !== undefined, 'decodes its own encoding');
  return back;
};

/** What `encodeSeenMarker` keeps of a marker: zero times and covered items dropped. */
function canonicalOf(m: SeenMarker): SeenMarker {
  const strip = (c: ReadonlyMap<bigint, bigint>) => new Map([...c].filter(([, t]) => t > 0n));
  const vc = strip(m.vc);
  const items = new Map([...m.items].filter(([, c]) => isNewer(c, vc)).map(([sk, c]) => [sk, strip(c)] as const));
  return { vc, items };
}

describe('seen marker semantics on simulated writes', () => {
  it('after a full scan nothing is new; an item written later is new, the others are not', () => {
    fc.assert(
      fc.property(writes(20), writeArb, (before, later) => {
        const store = new SimStore();
        for (const w of before) store.write(w);
        const marker = roundTrip(markSeen(emptySeenMarker(), store.watermark(), store.scan()));
        for (const { sk, ctx } of store.scan()) {
          assert.ok(!isNewItem(marker, sk, ctx), `${sk} seen`);
          // The watermark covers every context that only the server stamped: no item entry needed.
          assert.equal(marker.items.has(sk), isNewer(ctx, store.watermark()));
        }
        assert.equal(marker.vc.get(SERVER), store.watermark().get(SERVER) || undefined);
        const snapshot = new Map(store.scan().map(({ sk, ctx }) => [sk, ctx]));
        store.write(later);
        for (const { sk, ctx } of store.scan()) {
          assert.equal(isNewItem(marker, sk, ctx), sk === later.sk, `${sk} new iff written`);
          if (sk !== later.sk) assert.deepEqual(ctx, snapshot.get(sk));
        }
      }),
      { numRuns: 500 },
    );
  });

  it('successive polls never miss a change and never repeat a seen state', () => {
    fc.assert(
      fc.property(fc.array(writes(6), { minLength: 1, maxLength: 6 }), (rounds) => {
        const store = new SimStore();
        let marker = roundTrip(markSeen(emptySeenMarker(), store.watermark(), store.scan()));
        let seenCtx = new Map<string, Map<bigint, bigint>>();
        for (const round of rounds) {
          for (const w of round) store.write(w);
          const changed = store.scan().filter(({ sk, ctx }) => isNewItem(marker, sk, ctx));
          for (const { sk, ctx } of store.scan()) {
            const prev = seenCtx.get(sk);
            const same = prev !== undefined && !isNewer(ctx, prev) && !isNewer(prev, ctx);
            assert.equal(changed.some((c) => c.sk === sk), !same, `${sk}: reported iff changed`);
          }
          marker = roundTrip(markSeen(marker, store.watermark(), changed));
          seenCtx = new Map(store.scan().map(({ sk, ctx }) => [sk, ctx]));
          for (const { sk, ctx } of store.scan()) assert.ok(!isNewItem(marker, sk, ctx));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('restrict keeps only item entries inside the range and answers the same there', () => {
    fc.assert(
      fc.property(writes(20), keyArb, fc.option(keyArb, { nil: undefined }), (ws, prefix, end) => {
        const store = new SimStore();
        for (const w of ws) store.write(w);
        const m = markSeen(emptySeenMarker(), new Map([[SERVER, 1n]]), store.scan());
        const bounds = { prefix, start: prefix, end };
        const r = restrict(m, bounds);
        for (const sk of r.items.keys()) assert.ok(inRange(sk, bounds));
        for (const { sk, ctx } of store.scan()) {
          if (inRange(sk, bounds)) assert.equal(isNewItem(r, sk, ctx), isNewItem(m, sk, ctx));
        }
      }),
    );
  });
});

const clockArb = fc
  .array(fc.tuple(fc.oneof(fc.bigInt(0n, U64_MAX), fc.constantFrom(0n, U64_MAX)), fc.oneof(fc.bigInt(0n, U64_MAX), fc.constantFrom(0n, 1n, U64_MAX))), {
    maxLength: 4,
  })
  .map((pairs) => new Map(pairs));
const markerArb: fc.Arbitrary<SeenMarker> = fc.record({
  vc: clockArb,
  items: fc.array(fc.tuple(fc.oneof(keyArb, fc.string({ unit: 'binary', maxLength: 8 })), clockArb)).map((e) => new Map(e)),
});

describe('seen marker encoding', () => {
  it('round-trips any marker to its canonical form', () => {
    fc.assert(
      fc.property(markerArb, (m) => {
        assert.deepEqual(roundTrip(m), canonicalOf(m));
      }),
      { numRuns: 500 },
    );
  });

  it('is versioned and url-safe', () => {
    const text = encodeSeenMarker({ vc: new Map([[SERVER, 5n]]), items: new Map() });
    assert.match(text, /^[A-Za-z0-9_-]+$/);
    assert.equal(Buffer.from(text, 'base64url')[0], 1);
    assert.equal(encodeSeenMarker(emptySeenMarker()), 'AQAAAA');
  });

  it('rejects garbage without throwing', () => {
    for (const bad of ['', '=', 'AQAAAA==', 'AQAAAA=', 'AgAAAA', 'AQAAAAA', 'AQAA', '!!!!', 'AQAAAB']) {
      assert.equal(decodeSeenMarker(bad, MAX), undefined, bad);
    }
    assert.equal(decodeSeenMarker('AQAAAA', 5), undefined);
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (s) => {
        const m = decodeSeenMarker(s, MAX);
        if (m !== undefined) assert.ok(m.vc instanceof Map && m.items instanceof Map);
      }),
      { numRuns: 2000 },
    );
  });

  it('rejects truncated, extended and corrupted encodings', () => {
    fc.assert(
      fc.property(markerArb, fc.nat(), fc.integer({ min: 1, max: 255 }), fc.uint8Array({ minLength: 1, maxLength: 4 }), (m, pos, flip, extra) => {
        const bytes = Buffer.from(encodeSeenMarker(m), 'base64url');
        const enc = (b: Uint8Array) => Buffer.from(b).toString('base64url');
        assert.equal(decodeSeenMarker(enc(bytes.subarray(0, pos % bytes.length)), MAX), undefined, 'truncated');
        assert.equal(decodeSeenMarker(enc(Buffer.concat([bytes, extra])), MAX), undefined, 'trailing bytes');
        const flipped = Buffer.from(bytes);
        flipped[pos % flipped.length]! ^= flip;
        const d = decodeSeenMarker(enc(flipped), MAX); // may or may not decode, must not throw
        if (d !== undefined) assert.ok(d.items instanceof Map);
      }),
      { numRuns: 1000 },
    );
  });

  it('rejects bad UTF-8 keys, unsorted nodes, absurd counts and overlong varints', () => {
    const b64 = (...b: number[]) => Buffer.from(b).toString('base64url');
    const node = [0, 0, 0, 0, 0, 0, 0, 1];
    // version, 1 node, vc {node0: 5}, 1 item, key length 1, key, clock {node0: 6}
    assert.notEqual(decodeSeenMarker(b64(1, 1, ...node, 1, 0, 5, 1, 1, 0x61, 1, 0, 6), MAX), undefined);
    assert.equal(decodeSeenMarker(b64(1, 1, ...node, 1, 0, 5, 1, 1, 0xff, 1, 0, 6), MAX), undefined);
    assert.equal(decodeSeenMarker(b64(1, 2, ...node, ...node, 0, 0), MAX), undefined);
    assert.equal(decodeSeenMarker(b64(1, 0xff, 0xff, 0xff, 0xff, 0x0f, 0, 0), MAX), undefined);
    assert.equal(decodeSeenMarker(b64(1, 1, ...node, 1, 0, 0x85, 0x00, 0), MAX), undefined);
    assert.equal(decodeSeenMarker(b64(1, 1, ...node, 1, 1, 5, 0), MAX), undefined); // node index out of range
    assert.equal(decodeSeenMarker(b64(1, 1, ...node, 1, 0, 0, 0), MAX), undefined); // zero timestamp
    const u64max = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];
    assert.deepEqual(decodeSeenMarker(b64(1, 1, ...node, 1, 0, ...u64max, 0), MAX)?.vc, new Map([[1n, U64_MAX]]));
    const tooBig = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02];
    assert.equal(decodeSeenMarker(b64(1, 1, ...node, 1, 0, ...tooBig, 0), MAX), undefined);
  });
});

describe('seen marker size bound', () => {
  it('folds many items into vc, stays under the bound and keeps its meaning', () => {
    const store = new SimStore();
    const n = 6000;
    for (let i = 0; i < n; i++) {
      const token: Token = { kind: 'forged', pairs: [[BigInt(1000 + (i % 7)), BigInt(i + 1)]] };
      store.write({ sk: `key-${String(i).padStart(6, '0')}-\u{1f600}`, token, value: true, dt: 1 });
    }
    const full = markSeen(emptySeenMarker(), store.watermark(), store.scan());
    assert.equal(full.items.size, n, 'foreign nodes keep every item in the items map');
    const text = encodeSeenMarker(full);
    assert.ok(text.length <= MAX, `${text.length} chars`);
    const back = decodeSeenMarker(text, MAX)!;
    assert.equal(back.items.size, 0);
    for (const { sk, ctx } of store.scan()) assert.ok(!isNewItem(back, sk, ctx));
    store.write({ sk: 'key-000042-\u{1f600}', token: { kind: 'current' }, value: false, dt: 0 });
    store.write({ sk: 'brand new', token: { kind: 'none' }, value: true, dt: 0 });
    const fresh = store.scan().filter(({ sk, ctx }) => isNewItem(back, sk, ctx)).map((x) => x.sk);
    assert.deepEqual(fresh.sort(), ['brand new', 'key-000042-\u{1f600}']);
  });

  it('stays under the bound even with thousands of invented node ids', () => {
    const vc = new Map<bigint, bigint>();
    for (let i = 1n; i <= 5000n; i++) vc.set(i * 0x10000000001n, U64_MAX - i);
    vc.set(SERVER, 1_700_000_000_000n);
    const text = encodeSeenMarker({ vc, items: new Map() });
    assert.ok(text.length <= MAX, `${text.length} chars`);
    const back = decodeSeenMarker(text, MAX)!;
    // Forgetting vc entries may only make more items look new, never fewer.
    for (const [n, t] of back.vc) assert.equal(vc.get(n), t);
  });

  it('keeps small markers exact', () => {
    const m = markSeen(emptySeenMarker(), new Map([[SERVER, 10n]]), [{ sk: 'x', ctx: new Map([[SERVER, 5n], [9n, 1n]]) }]);
    assert.deepEqual(roundTrip(m), m);
    assert.ok(!isNewItem(m, 'x', new Map([[SERVER, 5n], [9n, 1n]])));
    assert.ok(isNewItem(m, 'y', new Map([[SERVER, 5n], [9n, 1n]])));
    assert.ok(isNewItem(m, 'x', new Map([[SERVER, 11n], [9n, 1n]])));
  });
});
