/**
 * The dump format and the restore merge, on reachable DVVS states (test/k2v/sim.ts): an item line
 * parses back to the same state; merging a dumped state into any later state of the same item
 * changes nothing (a restore never overwrites a newer value), and merging it twice is merging it
 * once; bad lines are refused with a reason.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { merge, sameItem, type DvvsItem } from '../../src/k2v/dvvs.js';
import { adminTokenLine, DumpLineError, endLine, itemLine, parseHeader, parseRecord } from '../../src/admin/dump-format.js';
import { WritePlan } from '../../src/store/write-plan.js';
import { opArb, simulate } from '../k2v/sim.js';

const BUCKET = 'ab'.repeat(32);

function restoreInto(stored: DvvsItem | undefined, incoming: DvvsItem, times = 1): { cur: DvvsItem | undefined; changed: number } {
  const plan = new WritePlan<null>({ nodeId: 42n, writerClocks: new Map([[42n, 0n]]), nowMs: 0, maxValuesPerItem: 100 }, () => ({ old: stored, ref: null }));
  for (let i = 0; i < times; i++) plan.mergeIn('pk', 'sk', incoming);
  const r = plan.result();
  return { cur: r.changed[0]?.cur ?? stored, changed: r.changed.length };
}

describe('dump format', () => {
  it('an item line parses back to the same DVVS state', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 25 }), fc.nat(), (ops, pick) => {
        const history = simulate(ops);
        const item = history[pick % history.length]!;
        const r = parseRecord(itemLine(BUCKET, { pk: 'p\u00e9', sk: 's\n', item }));
        assert.equal(r.type, 'item');
        if (r.type !== 'item') return;
        assert.equal(r.bucketId, BUCKET);
        assert.equal(r.item.pk, 'p\u00e9');
        assert.equal(r.item.sk, 's\n');
        assert.ok(sameItem(r.item.item, item));
      }),
    );
  });

  it('a dumped state merged into a later state of the item changes nothing; merged twice is merged once', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 25 }), fc.nat(), fc.nat(), (ops, a, b) => {
        const history = simulate(ops);
        const i = a % history.length;
        const j = i + (b % (history.length - i));
        const dumped = history[i]!;
        // A store that moved on from the dumped state: it has seen it, then more.
        const movedOn = merge(history[j]!, dumped);
        assert.equal(restoreInto(movedOn, dumped).changed, 0, 'nothing newer is overwritten, nothing changes');
        const later = history[j]!;
        const once = restoreInto(later, dumped);
        const twice = restoreInto(once.cur, dumped);
        assert.equal(twice.changed, 0, 'restoring twice changes nothing');
        const doubled = restoreInto(later, dumped, 2);
        assert.ok(sameItem(doubled.cur!, once.cur!));
        assert.equal(restoreInto(undefined, dumped).changed, 1, 'an absent item is created');
        assert.equal(restoreInto(dumped, dumped).changed, 0, 'a state merged into itself is unchanged');
      }),
    );
  });

  it('admin token lines (version 2) parse back; version 1 refuses them and its end line counts none', () => {
    const token = { id: '0123456789abcdef01234567', tokenHash: `sha256:${'ab'.repeat(32)}`, name: 'ops', created: 1_700_000_000_000, expiration: null, scope: ['ListKeys'] };
    const line = adminTokenLine(token);
    assert.ok(!line.includes('secret'));
    assert.deepEqual(parseRecord(line), { type: 'adminToken', token });
    assert.throws(() => parseRecord(line, 1), /version 2 and later/);
    assert.deepEqual(parseRecord('{"type":"end","keys":1,"buckets":2,"items":3}', 1), { type: 'end', keys: 1, buckets: 2, adminTokens: 0, items: 3 });
    assert.deepEqual(parseRecord(endLine({ keys: 1, buckets: 2, adminTokens: 4, items: 3 })), { type: 'end', keys: 1, buckets: 2, adminTokens: 4, items: 3 });
  });

  it('refuses bad lines with the reason, and unknown versions', () => {
    const bad: [string, RegExp][] = [
      ['not json', /not a JSON document/],
      ['[1]', /not a JSON object/],
      ['{"type":"nope"}', /field type/],
      [`{"type":"item","bucket":"${BUCKET}","pk":"p","sk":"s","state":[{"node":"zz","discard":"0","values":[]}]}`, /field node/],
      [`{"type":"item","bucket":"${BUCKET}","pk":"p","sk":"s","state":[{"node":"0000000000000001","discard":"5","values":[{"t":"5","v":null}]}]}`, /timestamps/],
      [`{"type":"item","bucket":"${BUCKET}","pk":"p","sk":"s","state":[{"node":"0000000000000001","discard":"0","values":[{"t":"1","v":"%%"}]}]}`, /base64/],
      [`{"type":"item","bucket":"${BUCKET}","pk":"p","sk":"s","state":[{"node":"0000000000000002","discard":"0","values":[]},{"node":"0000000000000001","discard":"0","values":[]}]}`, /ascending/],
      [`{"type":"item","bucket":"${BUCKET}","pk":"p","sk":"s","state":[{"node":"0000000000000001","discard":"18446744073709551616","values":[]}]}`, /u64/],
      [`{"type":"adminToken","id":"${'a'.repeat(24)}","tokenHash":"secret","name":"n","created":1,"expiration":null,"scope":["*"]}`, /tokenHash/],
      [`{"type":"adminToken","id":"x","tokenHash":"sha256:${'0'.repeat(64)}","name":"n","created":1,"expiration":null,"scope":["*"]}`, /admin token id/],
      [`{"type":"adminToken","id":"${'a'.repeat(24)}","tokenHash":"sha256:${'0'.repeat(64)}","name":"n","created":1,"expiration":"soon","scope":["*"]}`, /expiration/],
      ['{"type":"end","keys":0,"buckets":0,"items":0}', /adminTokens/],
    ];
    for (const [line, why] of bad) assert.throws(() => parseRecord(line), (e: unknown) => e instanceof DumpLineError && why.test(e.message), line);
    assert.throws(() => parseHeader('{"format":"k2v-dump","version":3,"scope":"store","createdAt":"x","nodeId":"0"}'), /version 3 is not supported/);
    assert.equal(parseHeader('{"format":"k2v-dump","version":1,"scope":"store","createdAt":"x","nodeId":"0"}').version, 1, 'version 1 is still read');
    assert.throws(() => parseHeader('{"hello":1}'), /not a k2v dump/);
  });
});
