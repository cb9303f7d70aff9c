/** update(): read, resolve every concurrent value in one function, write with the token. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { json, text } from 'k2v-client';
import { str, uniquePk, useServer } from '../support/server.js';

const ts = useServer();

describe('update', () => {
  it('gives fn every sibling and replaces them all with its result', async () => {
    const k2v = ts.client();
    const pk = uniquePk('update');
    await k2v.insertItem(pk, 'tags', JSON.stringify(['a', 'b']));
    const base = (await k2v.readItem(pk, 'tags'))!;
    // Two writers that both read `base`: two concurrent values.
    await ts.client().insertItem(pk, 'tags', JSON.stringify(['a', 'b', 'c']), base.token);
    await ts.client().insertItem(pk, 'tags', JSON.stringify(['b', 'd']), base.token);

    let seen: string[] = [];
    const written = await k2v.update(pk, 'tags', (values) => {
      seen = values.map(text).sort();
      const union = new Set(values.flatMap((v) => json<string[]>(v)));
      return JSON.stringify([...union].sort());
    });
    assert.deepEqual(seen, ['["a","b","c"]', '["b","d"]']);
    assert.equal(str(written as Uint8Array), '["a","b","c","d"]');
    assert.deepEqual((await k2v.readItem(pk, 'tags'))?.values.map(str), ['["a","b","c","d"]']);
  });

  it('a missing item gives fn an empty list and no item; tombstones are left out of the values', async () => {
    const k2v = ts.client();
    const pk = uniquePk('update-missing');
    let args: unknown[] = [];
    await k2v.update(pk, 'counter', (values, item) => {
      args = [values, item];
      return '1';
    });
    assert.deepEqual(args, [[], undefined]);
    assert.deepEqual((await k2v.readItem(pk, 'counter'))?.values.map(str), ['1']);

    await k2v.insertItem(pk, 'mixed', 'live');
    await k2v.deleteItem(pk, 'mixed'); // without a token: a tombstone beside the value
    await k2v.update(pk, 'mixed', (values, item) => {
      args = [values.map(text), item?.values.length];
      return undefined;
    });
    assert.deepEqual(args, [['live'], 2]);
  });

  it('null deletes with the token (one tombstone left); undefined writes nothing', async () => {
    const k2v = ts.client();
    const pk = uniquePk('update-delete');
    await k2v.insertItem(pk, 'k', 'v1');
    await k2v.insertItem(pk, 'k', 'v2');
    assert.equal(await k2v.update(pk, 'k', () => null), null);
    assert.deepEqual((await k2v.readItem(pk, 'k'))?.values, [null]);

    await k2v.insertItem(pk, 'same', 'v');
    const before = (await k2v.readItem(pk, 'same'))!;
    assert.equal(await k2v.update(pk, 'same', () => undefined), undefined);
    assert.equal((await k2v.readItem(pk, 'same'))!.token, before.token, 'nothing written');
    assert.equal(await k2v.update(pk, 'never', () => null), null);
    assert.equal(await k2v.readItem(pk, 'never'), undefined, 'deleting nothing writes no tombstone');
  });

  it('an async fn that throws writes nothing and the error comes out', async () => {
    const k2v = ts.client();
    const pk = uniquePk('update-throw');
    await k2v.insertItem(pk, 'k', 'v');
    await assert.rejects(
      k2v.update(pk, 'k', async () => {
        throw new Error('no');
      }),
      /no/,
    );
    assert.deepEqual((await k2v.readItem(pk, 'k'))?.values.map(str), ['v']);
  });
});
