/**
 * Store contract, admin tokens in the metadata: created, changed and deleted through `update`,
 * durable across a restart, and a failed update leaves them as they were.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
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
  });
}
