import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Subscriptions } from '../../src/store/subscriptions.js';
import type { ItemChange } from '../../src/store/store.js';
import { membersInRound, payload, promotedWhile } from '../support/young-gc.js';

const B = 'a'.repeat(64);
const change = (pk: string): ItemChange => ({ bucketId: B, pk, sk: 's' });
const none = (): void => undefined;

describe('Subscriptions', () => {
  it('leaves nothing behind when 10 000 subscribers come and go', () => {
    const subs = new Subscriptions(() => assert.fail('no listener throws'));
    const uns = Array.from({ length: 10_000 }, (_, i) => subs.subscribe(B, `p${i % 1000}`, none, none));
    assert.equal(subs.partitionCount, 1000);
    for (const un of uns) un();
    assert.equal(subs.partitionCount, 0);
  });

  it('keeps no ended subscriber alive for young-generation GCs (a poll that ended is garbage at once)', () => {
    let calls = 0;
    // 12 000 subscribers holding about 1 KB each, 1 to 23 at a time, each woken once: about 13 MB
    // if the ended ones stayed reachable for the scavenger (they did with a Set per partition).
    const grown = promotedWhile(1_000, () => {
      const subs = new Subscriptions(() => assert.fail('no listener throws'));
      // A permanent subscriber keeps the partition's entry, as a busy partition has.
      subs.subscribe(B, 'p', none, none);
      return (i) => {
        const uns = Array.from({ length: membersInRound(i) }, () => {
          const held = payload(i);
          return subs.subscribe(B, 'p', () => (calls += held.length > 0 ? 1 : 0), none);
        });
        subs.publish(change('p'));
        for (const un of uns) un();
      };
    });
    assert.equal(calls, 3 * Array.from({ length: 1_000 }, (_, i) => membersInRound(i)).reduce((a, b) => a + b));
    assert.ok(grown < 3_000_000, `old space grew by ${grown} bytes`);
  });

  it('delivers to the partition only, and reports a throwing listener without stopping', () => {
    const errors: unknown[] = [];
    const subs = new Subscriptions((err) => errors.push(err));
    const got: string[] = [];
    subs.subscribe(
      B,
      'p',
      () => {
        throw new Error('bad');
      },
      none,
    );
    subs.subscribe(B, 'p', (c) => got.push(c.pk), none);
    subs.subscribe(B, 'p2', (c) => got.push(c.pk), none);
    subs.subscribe('b'.repeat(64), 'p', (c) => got.push(`other ${c.pk}`), none);
    subs.publish(change('p'));
    assert.deepEqual(got, ['p']);
    assert.equal(errors.length, 1);
  });

  it('lets a listener unsubscribe itself while being notified', () => {
    const subs = new Subscriptions(() => undefined);
    let calls = 0;
    const un = subs.subscribe(
      B,
      'p',
      () => {
        calls++;
        un();
      },
      none,
    );
    subs.publish(change('p'));
    subs.publish(change('p'));
    assert.equal(calls, 1);
    assert.equal(subs.partitionCount, 0);
  });

  it('resync reaches every live subscriber once, and none that left; a throwing one does not stop it', () => {
    const errors: unknown[] = [];
    const subs = new Subscriptions((err) => errors.push(err));
    const got: string[] = [];
    subs.subscribe(B, 'p', none, () => got.push('p1'));
    subs.subscribe(B, 'q', none, () => {
      throw new Error('bad');
    });
    const gone = subs.subscribe(B, 'p', none, () => got.push('gone'));
    subs.subscribe('b'.repeat(64), 'p', none, () => got.push('other bucket'));
    gone();
    subs.resync();
    assert.deepEqual(got.sort(), ['other bucket', 'p1']);
    assert.equal(errors.length, 1);
  });
});
