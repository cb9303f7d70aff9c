/**
 * The backend-neutral write planner, with two writer nodes over one shared set of items (what
 * several servers over one database do): token checks against every writer's clock, per-node
 * monotone timestamps in commit order, counter deltas, and DeleteBatch's rule.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { causalContext, nodeTime, values, type DvvsItem, type VectorClock } from '../../src/k2v/dvvs.js';
import { addCounts, countsOf, ZERO_COUNTS, type IndexCounts } from '../../src/k2v/index-counts.js';
import { StoreError } from '../../src/store/errors.js';
import type { ItemWrite } from '../../src/store/store.js';
import { rangeDeletion, WritePlan } from '../../src/store/write-plan.js';

const A = 0x1111n;
const B = 0xffff_0000_0000_0001n;

/** Items and writer clocks shared by every node, committed one plan at a time. */
class SharedBackend {
  readonly items = new Map<string, DvvsItem>();
  readonly clocks = new Map<bigint, bigint>([
    [A, 0n],
    [B, 0n],
  ]);
  /** Timestamps each node issued, in commit order. */
  readonly issued = new Map<bigint, bigint[]>([
    [A, []],
    [B, []],
  ]);

  write(node: bigint, writes: readonly ItemWrite[], nowMs: number, maxValuesPerItem = 100): void {
    const plan = new WritePlan<string>({ nodeId: node, writerClocks: new Map(this.clocks), nowMs, maxValuesPerItem }, (pk, sk) => {
      const ref = `${pk}/${sk}`;
      return { old: this.items.get(ref), ref };
    });
    for (const w of writes) plan.apply(w);
    const r = plan.result();
    for (const p of r.changed) {
      this.items.set(p.ref, p.cur!);
      this.issued.get(node)!.push(nodeTime(p.cur!, node));
    }
    this.clocks.set(node, r.last);
  }

  item(pk: string, sk: string): DvvsItem | undefined {
    return this.items.get(`${pk}/${sk}`);
  }
}

const put = (pk: string, sk: string, v: string | null, ct?: VectorClock): ItemWrite => ({
  pk,
  sk,
  ct,
  value: v === null ? null : new TextEncoder().encode(v),
});

function refusal(fn: () => void): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    assert.ok(err instanceof StoreError, String(err));
    return err.code;
  }
}

describe('WritePlan with two writer nodes', () => {
  it('refuses a token naming any writer node beyond its clock, and accepts unknown nodes at any time', () => {
    const db = new SharedBackend();
    db.write(A, [put('p', 's', 'a')], 1_000);
    const ctA = causalContext(db.item('p', 's')!);
    // Through B, with A's genuine token: fine, and A's entry is superseded.
    db.write(B, [put('p', 's', 'b', ctA)], 1_000);
    assert.deepEqual(values(db.item('p', 's')!).map((v) => v && new TextDecoder().decode(v)), ['b']);
    // The attack of the design review: a token naming A near 2^63, sent to B.
    const far = 1n << 63n;
    assert.equal(refusal(() => db.write(B, [put('p', 's', 'x', new Map([[A, far]]))], 1_000)), 'FutureToken');
    assert.equal(refusal(() => db.write(A, [put('p', 's', 'x', new Map([[A, far]]))], 1_000)), 'FutureToken');
    assert.equal(refusal(() => db.write(B, [put('p', 'n', 'x', new Map([[B, db.clocks.get(B)! + 1n]]))], 1_000)), 'FutureToken');
    // Nothing of a refused call was committed, and A's clock did not move.
    assert.equal(db.item('p', 'n'), undefined);
    assert.ok(db.clocks.get(A)! < 10_000n);
    // A node that is not a writer of this store (a Garage token, say) is accepted at any time.
    db.write(B, [put('p', 'n', 'x', new Map([[0x42n, far]]))], 1_000);
    assert.equal(causalContext(db.item('p', 'n')!).get(0x42n), far);
  });

  it('a refusal anywhere in a call throws before result(): the backend persists nothing', () => {
    const db = new SharedBackend();
    db.write(A, [put('p', 'keep', 'k')], 5);
    const before = new Map(db.items);
    assert.equal(
      refusal(() => db.write(A, [put('p', 'new', 'n'), put('p', 'keep', 'y'), put('p', 'z', 'w', new Map([[B, 9n]]))], 5)),
      'FutureToken',
    );
    assert.equal(
      refusal(() => db.write(A, [put('p', 'new', 'n'), put('p', 'keep', '1'), put('p', 'keep', '2')], 5, 2)),
      'TooManyValues',
    );
    assert.deepEqual(db.items, before);
  });

  const opArb = fc.record({
    node: fc.constantFrom(A, B),
    sk: fc.constantFrom('a', 'b', 'c'),
    value: fc.option(fc.constantFrom('x', 'y'), { nil: null }),
    withToken: fc.boolean(),
    dt: fc.integer({ min: -5, max: 5 }),
  });

  it('interleaved calls through two nodes: genuine tokens pass, timestamps grow per node in commit order, deltas are exact', () => {
    fc.assert(
      fc.property(fc.array(fc.array(opArb, { minLength: 1, maxLength: 4 }), { maxLength: 25 }), (calls) => {
        const db = new SharedBackend();
        let now = 1_000;
        const counts = new Map<string, IndexCounts>();
        for (const call of calls) {
          now += call[0]!.dt; // the wall clock may go backwards
          const node = call[0]!.node;
          const writes = call.map((op) => {
            const item = db.item('p', op.sk);
            return put('p', op.sk, op.value, op.withToken && item !== undefined ? causalContext(item) : undefined);
          });
          const plan = new WritePlan<string>(
            { nodeId: node, writerClocks: new Map(db.clocks), nowMs: now, maxValuesPerItem: 1_000 },
            (pk, sk) => ({ old: db.item(pk, sk), ref: sk }),
          );
          for (const w of writes) plan.apply(w);
          const r = plan.result();
          let delta = ZERO_COUNTS;
          for (const p of r.changed) {
            if (p.old !== undefined) delta = addCounts(delta, negate(countsOf(p.old)));
            delta = addCounts(delta, countsOf(p.cur!));
          }
          if (r.changed.length > 0) assert.deepEqual({ ...r.counterDeltas.get('p') }, delta);
          for (const p of r.changed) {
            db.items.set(`p/${p.ref}`, p.cur!);
            // Every timestamp of a commit is after every earlier one of the node, `last` the largest.
            const t = nodeTime(p.cur!, node);
            assert.ok(t > db.clocks.get(node)! && t <= r.last);
          }
          assert.ok(r.last >= db.clocks.get(node)!);
          db.clocks.set(node, r.last);
          counts.set('p', addCounts(counts.get('p') ?? ZERO_COUNTS, delta));
        }
        let recount = ZERO_COUNTS;
        for (const item of db.items.values()) recount = addCounts(recount, countsOf(item));
        assert.deepEqual(counts.get('p') ?? ZERO_COUNTS, recount);
      }),
      { numRuns: 300 },
    );
  });
});

describe('rangeDeletion', () => {
  it('tombstones each item with its own causal context', () => {
    const db = new SharedBackend();
    db.write(A, [put('p', 'a', '1')], 10);
    db.write(B, [put('p', 'a', '2')], 10);
    const item = db.item('p', 'a')!;
    const writes = rangeDeletion('p', [{ sk: 'a', item }]);
    assert.deepEqual(writes, [{ pk: 'p', sk: 'a', ct: causalContext(item), value: null }]);
    db.write(A, writes, 10);
    assert.deepEqual(values(db.item('p', 'a')!), [null]);
  });
});

function negate(c: IndexCounts): IndexCounts {
  return { entries: -c.entries, conflicts: -c.conflicts, values: -c.values, bytes: -c.bytes };
}
