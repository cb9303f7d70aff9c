/** Buckets with their K2V totals; create, alias, delete (admin); the named buckets (access key). */
import { useState } from 'preact/hooks';
import type { BucketInfo } from 'k2v-client/admin';
import { describeError } from '../api.js';
import { formatBytes } from '../lib/preview.js';
import { href } from '../lib/route.js';
import { ErrorBox, Show, useAsync, useListKeys } from '../ui.js';
import type { Ctx } from './ctx.js';

export const bucketLabel = (b: Pick<BucketInfo, 'id' | 'globalAliases'>): string => b.globalAliases[0] ?? `${b.id.slice(0, 16)}…`;

export function Buckets({ ctx }: { ctx: Ctx }) {
  useListKeys();
  return ctx.api.admin === undefined ? <KeyBuckets ctx={ctx} /> : <AdminBuckets ctx={ctx} />;
}

function KeyBuckets({ ctx }: { ctx: Ctx }) {
  const [name, setName] = useState('');
  const s = ctx.session;
  const names = s.kind === 'key' ? s.buckets : [];
  return (
    <section>
      <h1>Buckets</h1>
      <p class="muted">Signed in with an access key: the K2V API cannot list its buckets, so these are the ones you named.</p>
      <table class="list">
        <thead>
          <tr>
            <th>Bucket</th>
          </tr>
        </thead>
        <tbody>
          {names.map((b) => (
            <tr key={b}>
              <td>
                <a data-row href={href({ view: 'partitions', bucket: b, prefix: '', start: '' })}>
                  {b}
                </a>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form
        class="inline"
        onSubmit={(e) => {
          e.preventDefault();
          if (name.trim() !== '') ctx.addBucket(name.trim());
          setName('');
        }}
      >
        <input aria-label="Bucket name" placeholder="another bucket" value={name} onInput={(e) => setName(e.currentTarget.value)} />
        <button type="submit">Open</button>
      </form>
    </section>
  );
}

function AdminBuckets({ ctx }: { ctx: Ctx }) {
  const admin = ctx.api.admin!;
  const [list, reload] = useAsync(async (signal) => {
    const items = await admin.listBuckets({ signal });
    return Promise.all(items.map((b) => admin.getBucketInfo({ id: b.id }, { signal })));
  }, []);
  const [alias, setAlias] = useState('');
  const [error, setError] = useState<string>();

  const create = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    try {
      await admin.createBucket(alias.trim() === '' ? {} : { globalAlias: alias.trim() });
      setAlias('');
      reload();
    } catch (err) {
      setError(describeError(err));
    }
  };
  // The bucket whose alias form is open, and the alias typed.
  const [aliasFor, setAliasFor] = useState<string>();
  const [newAlias, setNewAlias] = useState('');
  const addAlias = async (e: Event, b: BucketInfo) => {
    e.preventDefault();
    if (newAlias.trim() === '') return;
    try {
      await admin.addGlobalAlias(b.id, newAlias.trim());
      setAliasFor(undefined);
      setNewAlias('');
      reload();
    } catch (err) {
      setError(describeError(err));
    }
  };
  const removeAlias = (b: BucketInfo, a: string) =>
    ctx.confirm({
      title: `Remove the alias ${a}?`,
      lines: [`Bucket ${b.id}`, `Its other aliases: ${b.globalAliases.filter((x) => x !== a).join(', ') || 'none'}`, 'Clients using this name will get NoSuchBucket.'],
      action: 'Remove alias',
      run: async () => {
        await admin.removeGlobalAlias(b.id, a);
        reload();
      },
    });
  const remove = (b: BucketInfo) =>
    ctx.confirm({
      title: `Delete the bucket ${bucketLabel(b)}?`,
      lines: [
        `Bucket ${b.id}`,
        `Aliases: ${b.globalAliases.join(', ') || 'none'}`,
        `K2V data: ${b.k2v?.items ?? 0} items in ${b.k2v?.partitions ?? 0} partitions (${formatBytes(b.k2v?.bytes ?? 0)}); the server refuses while any item remains.`,
        `Permissions of ${b.keys.length} key(s) on it.`,
      ],
      action: 'Delete bucket',
      run: async () => {
        await admin.deleteBucket(b.id);
        reload();
      },
    });

  return (
    <section>
      <h1>Buckets</h1>
      <form class="inline" onSubmit={create}>
        <input name="globalAlias" aria-label="Global alias of a new bucket" placeholder="new-bucket-name" value={alias} onInput={(e) => setAlias(e.currentTarget.value)} />
        <button type="submit">Create bucket</button>
      </form>
      <ErrorBox error={error} />
      <Show value={list} what="buckets">
        {(buckets) => (
          <div class="scroll">
            <table class="list" data-testid="buckets">
              <thead>
                <tr>
                  <th>Bucket</th>
                  <th class="num">Items</th>
                  <th class="num">Partitions</th>
                  <th class="num">Values</th>
                  <th class="num">Bytes</th>
                  <th>Keys</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {buckets.map((b) => (
                  <tr key={b.id}>
                    <td>
                      <a data-row href={href({ view: 'partitions', bucket: b.id, prefix: '', start: '' })}>
                        {bucketLabel(b)}
                      </a>
                      <div class="muted mono small">{b.id.slice(0, 16)}…</div>
                      {aliasFor === b.id && (
                        <form class="inline" onSubmit={(e) => void addAlias(e, b)}>
                          <input aria-label={`New global alias for ${bucketLabel(b)}`} value={newAlias} onInput={(e) => setNewAlias(e.currentTarget.value)} autofocus />
                          <button type="submit" class="small">
                            Add alias
                          </button>
                        </form>
                      )}
                      <div class="aliases">
                        {b.globalAliases.map((a) => (
                          <span class="chip" key={a}>
                            {a}
                            <button type="button" class="link" aria-label={`Remove alias ${a}`} onClick={() => removeAlias(b, a)}>
                              ×
                            </button>
                          </span>
                        ))}
                      </div>
                    </td>
                    <td class="num">{b.k2v?.items ?? 0}</td>
                    <td class="num">{b.k2v?.partitions ?? 0}</td>
                    <td class="num">{b.k2v?.values ?? 0}</td>
                    <td class="num">{formatBytes(b.k2v?.bytes ?? 0)}</td>
                    <td>{b.keys.map((k) => k.name).join(', ')}</td>
                    <td class="actions">
                      <button type="button" class="small" onClick={() => setAliasFor(aliasFor === b.id ? undefined : b.id)}>
                        Alias
                      </button>
                      <button type="button" class="small danger" onClick={() => remove(b)}>
                        Delete
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Show>
    </section>
  );
}
