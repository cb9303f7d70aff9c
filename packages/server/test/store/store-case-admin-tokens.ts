/**
 * Store contract, admin tokens in the metadata: created, changed and deleted through `update`,
 * durable across a restart, and a failed update leaves them as they were; every id ever stored is
 * remembered (durably), so a restore's metadata merge (admin/dump-metadata-merge.ts) adds a
 * token the store never had, keeps the store's own version of one it has, and never brings back
 * one it deleted.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { mergeDumpMetadata, type MetadataMergeCounts } from '../../src/admin/dump-metadata-merge.js';
import type { AdminToken } from '../../src/store/metadata.js';
import type { NewStore, StoreUnderTest } from './store-case-support.js';

function token(id: string, scope: string[], expiration: number | null = null): AdminToken {
  return { id, tokenHash: `sha256:${'ab'.repeat(32)}`, name: `token ${id}`, created: 1_700_000_000_000, expiration, scope };
}

export function adminTokenCases(newStore: NewStore): void {
  describe('admin tokens', () => {
    let h: StoreUnderTest;
    before(async () => {
      h = await newStore();
    });
    after(() => h.cleanup());

    it('stores, changes and deletes admin tokens durably', async () => {
      const a = token('0123456789abcdef01234567', ['ListKeys', 'GetKeyInfo'], 1_800_000_000_000);
      const b = token('fedcba9876543210fedcba98', ['*']);
      await h.store.meta.update((d) => {
        d.adminTokens.set(a.id, a);
        d.adminTokens.set(b.id, b);
      });
      assert.deepEqual(h.store.meta.getAdminToken(a.id), a);
      assert.equal(h.store.meta.listAdminTokens().length, 2);
      await h.store.meta.update((d) => {
        const t = d.adminTokens.get(a.id);
        assert.ok(t !== undefined);
        t.scope = ['ListBuckets'];
        t.expiration = null;
        t.name = 'renamed';
        d.adminTokens.delete(b.id);
      });
      const expected = { ...a, scope: ['ListBuckets'], expiration: null, name: 'renamed' };
      assert.deepEqual(h.store.meta.getAdminToken(a.id), expected);
      assert.equal(h.store.meta.getAdminToken(b.id), undefined);
      if (h.restart !== undefined) {
        const reopened = await h.restart();
        assert.deepEqual(reopened.meta.getAdminToken(a.id), expected);
        assert.deepEqual(
          reopened.meta.listAdminTokens().map((t) => t.id),
          [a.id],
        );
      }
    });

    it('keeps the tokens as they were when an update fails; records read back are frozen', async () => {
      const c = token('aaaaaaaaaaaaaaaaaaaaaaaa', ['GetClusterHealth']);
      await h.store.meta.update((d) => {
        d.adminTokens.set(c.id, c);
      });
      await assert.rejects(
        h.store.meta.update((d) => {
          d.adminTokens.delete(c.id);
          throw new Error('refused');
        }),
        /refused/,
      );
      const stored = h.store.meta.getAdminToken(c.id);
      assert.deepEqual(stored, c);
      assert.throws(() => {
        (stored as { scope: string[] }).scope.push('*');
      }, TypeError);
    });

    it('remembers every admin token id, durably; a dump merge adds an unknown token, keeps the store\'s own, never brings back a deleted one', async () => {
      const kept = token('111111111111111111111111', ['ListKeys']);
      const gone = token('222222222222222222222222', ['*']);
      const fresh = token('333333333333333333333333', ['GetClusterHealth'], 1_900_000_000_000);
      await h.store.meta.update((d) => {
        d.adminTokens.set(kept.id, kept);
        d.adminTokens.set(gone.id, gone);
      });
      // The store moves on after the dump: one token narrowed and renamed, one deleted.
      await h.store.meta.update((d) => {
        d.adminTokens.get(kept.id)!.name = 'narrowed';
        d.adminTokens.delete(gone.id);
      });
      assert.equal(h.store.meta.adminTokenIdEverUsed(gone.id), true);
      assert.equal(h.store.meta.adminTokenIdEverUsed(fresh.id), false);
      let store = h.store;
      if (h.restart !== undefined) store = await h.restart();
      assert.equal(store.meta.adminTokenIdEverUsed(gone.id), true, 'durable across a restart');
      assert.equal(store.meta.adminTokenIdEverUsed(kept.id), true);

      const merge = async (): Promise<MetadataMergeCounts> => {
        const sum: MetadataMergeCounts = { keysAdded: 0, bucketsAdded: 0, adminTokensAdded: 0, adminTokensKept: 0 };
        await store.meta.update((d) => mergeDumpMetadata(d, { keys: [], buckets: [], adminTokens: [kept, gone, fresh] }, sum));
        return sum;
      };
      assert.deepEqual(await merge(), { keysAdded: 0, bucketsAdded: 0, adminTokensAdded: 1, adminTokensKept: 2 });
      assert.equal(store.meta.getAdminToken(kept.id)?.name, 'narrowed', "the store's own version is kept");
      assert.equal(store.meta.getAdminToken(gone.id), undefined, 'a deleted token is not brought back');
      assert.deepEqual(store.meta.getAdminToken(fresh.id), fresh);
      assert.deepEqual(await merge(), { keysAdded: 0, bucketsAdded: 0, adminTokensAdded: 0, adminTokensKept: 2 }, 'twice changes nothing');
      if (h.restart !== undefined) {
        const reopened = await h.restart();
        assert.deepEqual(reopened.meta.getAdminToken(fresh.id), fresh);
        assert.equal(reopened.meta.getAdminToken(gone.id), undefined);
      }
    });
  });
}
