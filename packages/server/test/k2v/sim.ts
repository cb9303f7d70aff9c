/**
 * Test support for the k2v property tests: item states reached by SIMULATED WRITES (contract
 * section 2: merge laws only hold on reachable states), plus small key alphabets that exercise
 * UTF-8 ordering corner cases.
 */
import fc from 'fast-check';
import { causalContext, EMPTY_ITEM, merge, update, values, type DvvsItem, type Value } from '../../src/k2v/dvvs.js';

/** Node ids of the simulated replicas, including u64 extremes. */
export const NODES: readonly bigint[] = [1n, 0x8000000000000000n, 0xffffffffffffffffn];

export const valueArb: fc.Arbitrary<Value> = fc.oneof(
  fc.constant(null),
  // A tiny alphabet so that equal values (de-duplication) happen often.
  fc.uint8Array({ maxLength: 2, max: 1 }),
);

export type Op =
  | { readonly kind: 'write'; readonly replica: number; readonly token: number | null; readonly value: Value; readonly dt: number }
  | { readonly kind: 'merge'; readonly from: number; readonly to: number };

export const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    arbitrary: fc.record({
      kind: fc.constant('write' as const),
      replica: fc.nat(NODES.length - 1),
      token: fc.option(fc.nat(), { nil: null }),
      value: valueArb,
      dt: fc.nat(3),
    }),
    weight: 3,
  },
  fc.record({ kind: fc.constant('merge' as const), from: fc.nat(NODES.length - 1), to: fc.nat(NODES.length - 1) }),
);

/**
 * Runs `ops` on one item replicated on every node: a write goes through one replica with its own
 * node id, a token taken from any earlier state (or none) and that node's monotone clock; a merge
 * copies one replica's state into another. Returns every state reached, in order.
 */
export function simulate(ops: readonly Op[]): DvvsItem[] {
  const replicas: DvvsItem[] = NODES.map(() => EMPTY_ITEM);
  const last: bigint[] = NODES.map(() => 0n);
  const history: DvvsItem[] = [EMPTY_ITEM];
  let now = 1_700_000_000_000n;
  for (const op of ops) {
    if (op.kind === 'write') {
      now += BigInt(op.dt);
      const token = op.token === null ? undefined : causalContext(history[op.token % history.length]!);
      const floor = now > last[op.replica]! ? now : last[op.replica]!;
      const r = update(replicas[op.replica]!, NODES[op.replica]!, token, op.value, floor);
      last[op.replica] = r.t;
      replicas[op.replica] = r.item;
    } else {
      replicas[op.to] = merge(replicas[op.to]!, replicas[op.from]!);
    }
    history.push(replicas[op.kind === 'write' ? op.replica : op.to]!);
  }
  return history;
}

/** Values and causal context, the part of an item clients can observe. */
export function canonical(item: DvvsItem): string {
  const vs = values(item).map((v) => (v === null ? null : Buffer.from(v).toString('hex')));
  const cc = [...causalContext(item)].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([n, t]) => `${n}:${t}`);
  return JSON.stringify({ vs, cc });
}

/** Characters around every UTF-16 vs UTF-8 ordering trap: ASCII, U+0080, U+E000, U+FFFF, astral. */
export const KEY_CHARS = ['', 'a', 'b', 'ab', '\u007f', '\u00e9', '\ud7ff', '\ue000', '\uffff', '\u{1f600}', '\u{10ffff}'];

export const keyArb: fc.Arbitrary<string> = fc
  .array(fc.constantFrom(...KEY_CHARS), { maxLength: 4 })
  .map((parts) => parts.join(''));
