/**
 * longPoll with asynchronous checks: one check at a time per poll, a change during a check is
 * re-checked after it, the subscription is made before the first check, and an answer that
 * arrives once the poll has ended (timeout, client gone) is dropped.
 */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { describe, it } from 'node:test';
import type { HandlerContext } from '../../src/http/context.js';
import { longPoll } from '../../src/http/long-poll.js';
import { PollRegistry } from '../../src/http/poll-registry.js';
import { membersInRound, payload, promotedWhile } from '../support/young-gc.js';

/** A response that records its status; the rest of the context is never read by longPoll. */
function fakeContext(): { ctx: HandlerContext; res: EventEmitter & { status?: number } } {
  const res = Object.assign(new EventEmitter(), {
    status: undefined as number | undefined,
    destroyed: false,
    setHeader() {},
    writeHead(status: number) {
      res.status = status;
    },
    end() {},
  });
  const ctx = { res: res as unknown as ServerResponse, polls: new PollRegistry(), extraHeaders: {} } as unknown as HandlerContext;
  return { ctx, res };
}

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

/** A check whose calls the test resolves one by one. */
class ControlledChecks {
  running = 0;
  maxRunning = 0;
  calls = 0;
  private pending: ((v: string | undefined) => void)[] = [];

  check = (): Promise<string | undefined> => {
    this.calls++;
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    return new Promise((resolve) =>
      this.pending.push((v) => {
        this.running--;
        resolve(v);
      }),
    );
  };

  async answer(v: string | undefined): Promise<void> {
    const next = this.pending.shift();
    assert.ok(next !== undefined, 'a check is running');
    next(v);
    await turn();
    await turn();
  }
}

describe('longPoll with asynchronous checks', () => {
  it('subscribes before the first check; never runs two checks at once; re-checks once after changes during a check', async () => {
    const { ctx, res } = fakeContext();
    const checks = new ControlledChecks();
    let wake: (() => void) | undefined;
    const order: string[] = [];
    const answers: string[] = [];
    const done = longPoll<string>(ctx, {
      timeoutMs: 60_000,
      subscribe: (w) => {
        order.push('subscribe');
        wake = w;
        return () => order.push('unsubscribe');
      },
      check: () => {
        order.push('check');
        return checks.check();
      },
      respond: (v) => answers.push(v),
    });
    assert.deepEqual(order, ['subscribe', 'check']);
    // Changes while the first check runs: no second check yet, one after it.
    wake!();
    wake!();
    await turn();
    assert.equal(checks.calls, 1);
    await checks.answer(undefined);
    assert.equal(checks.calls, 2, 'the changes seen during the first check are checked');
    await checks.answer(undefined);
    await turn();
    assert.equal(checks.calls, 2, 'nothing changed since: no more checks');
    // Many wake-ups in one turn: one check.
    for (let i = 0; i < 10; i++) wake!();
    await turn();
    assert.equal(checks.calls, 3);
    await checks.answer('found');
    await done;
    assert.deepEqual(answers, ['found']);
    assert.equal(checks.maxRunning, 1);
    assert.equal(ctx.polls.size, 0);
    assert.equal(res.listenerCount('close'), 0);
    assert.equal(order.at(-1), 'unsubscribe');
  });

  it('drops the answer of a check that finishes after the poll ended (timeout: 304)', async () => {
    const { ctx, res } = fakeContext();
    const checks = new ControlledChecks();
    const answers: string[] = [];
    const done = longPoll<string>(ctx, {
      timeoutMs: 20,
      subscribe: () => () => undefined,
      check: checks.check,
      respond: (v) => answers.push(v),
    });
    await done; // the timeout ends it while the first check still runs
    assert.equal(res.status, 304);
    await checks.answer('too late');
    assert.deepEqual(answers, []);
  });

  it('a client that goes away ends the poll; a check still running answers nobody', async () => {
    const { ctx, res } = fakeContext();
    const checks = new ControlledChecks();
    let wake: (() => void) | undefined;
    const answers: string[] = [];
    const done = longPoll<string>(ctx, {
      timeoutMs: 60_000,
      subscribe: (w) => {
        wake = w;
        return () => undefined;
      },
      check: checks.check,
      respond: (v) => answers.push(v),
    });
    res.emit('close');
    await done;
    await checks.answer('late');
    wake!();
    await turn();
    assert.equal(checks.calls, 1, 'no check after the end');
    assert.deepEqual(answers, []);
    assert.equal(res.status, undefined);
  });

  it('a failing check rejects the poll once, and frees it', async () => {
    const { ctx } = fakeContext();
    const boom = new Error('store down');
    await assert.rejects(
      longPoll<string>(ctx, {
        timeoutMs: 60_000,
        subscribe: () => () => undefined,
        check: () => Promise.reject(boom),
        respond: () => assert.fail('no answer'),
      }),
      (err) => err === boom,
    );
    assert.equal(ctx.polls.size, 0);
  });
});

describe('PollRegistry', () => {
  it('keeps no ended poll alive for young-generation GCs (a poll that ended is garbage at once)', () => {
    // 12 000 waiters holding about 1 KB each, 1 to 23 at a time: about 13 MB if the ended ones
    // stayed reachable for the scavenger (they did with a Set).
    const grown = promotedWhile(1_000, () => {
      const polls = new PollRegistry();
      polls.add({ expire: () => undefined }); // a poll that stays, as there always are some
      return (i) => {
        const entries = Array.from({ length: membersInRound(i) }, () => {
          const held = payload(i);
          return polls.add({ expire: () => void held.length });
        });
        for (const e of entries) polls.remove(e);
        assert.equal(polls.size, 1);
      };
    });
    assert.ok(grown < 3_000_000, `old space grew by ${grown} bytes`);
  });
});
