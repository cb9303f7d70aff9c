/** Access keys: list, create (the secret shown once), import, delete; the permissions matrix. */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { KeyInfo } from 'k2v-client/admin';
import { describeError } from '../api.js';
import { CopyButton, ErrorBox, Show, useAsync, useListKeys } from '../ui.js';
import { bucketLabel } from './buckets.js';
import type { Ctx } from './ctx.js';

export function Keys({ ctx }: { ctx: Ctx }) {
  useListKeys();
  const admin = ctx.api.admin;
  const [list, reload] = useAsync(async (signal) => {
    if (admin === undefined) return [];
    const keys = await admin.listKeys({ signal });
    return Promise.all(keys.map((k) => admin.getKeyInfo({ id: k.id }, false, { signal })));
  }, []);
  const [name, setName] = useState('');
  const [imp, setImp] = useState({ id: '', secret: '', name: '' });
  const [created, setCreated] = useState<KeyInfo>();
  const [error, setError] = useState<string>();
  if (admin === undefined) return <p>Keys are managed with the admin token.</p>;

  const create = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    try {
      setCreated(await admin.createKey(name.trim() === '' ? undefined : name.trim()));
      setName('');
      reload();
    } catch (err) {
      setError(describeError(err));
    }
  };
  const doImport = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    try {
      await admin.importKey(imp.id.trim(), imp.secret.trim(), imp.name.trim() === '' ? undefined : imp.name.trim());
      setImp({ id: '', secret: '', name: '' });
      reload();
    } catch (err) {
      setError(describeError(err));
    }
  };
  const remove = (k: KeyInfo) =>
    ctx.confirm({
      title: `Delete the key ${k.name}?`,
      lines: [
        `Access key ${k.accessKeyId}`,
        k.buckets.length === 0 ? 'It has no permission on any bucket.' : `Its permissions on ${k.buckets.length} bucket(s): ${k.buckets.map(bucketLabel).join(', ')}`,
        'Clients signing with it will be refused; its id can never be used again.',
      ],
      action: 'Delete key',
      run: async () => {
        await admin.deleteKey(k.accessKeyId);
        ctx.api.reset();
        reload();
      },
    });

  return (
    <section>
      <h1>Access keys</h1>
      <div class="forms">
        <form class="inline" onSubmit={create}>
          <input name="keyName" aria-label="Name of a new key" placeholder="key name" value={name} onInput={(e) => setName(e.currentTarget.value)} />
          <button type="submit">Create key</button>
        </form>
        <form class="inline" onSubmit={doImport}>
          <input aria-label="Imported key id" placeholder="GK… (import)" value={imp.id} onInput={(e) => setImp({ ...imp, id: e.currentTarget.value })} />
          <input aria-label="Imported secret" type="password" placeholder="secret (64 hex)" value={imp.secret} onInput={(e) => setImp({ ...imp, secret: e.currentTarget.value })} />
          <input aria-label="Imported key name" placeholder="name" value={imp.name} onInput={(e) => setImp({ ...imp, name: e.currentTarget.value })} />
          <button type="submit">Import key</button>
        </form>
      </div>
      <ErrorBox error={error} />
      {created !== undefined && (
        <div class="notice" data-testid="created-key">
          <p>
            Key <strong>{created.name}</strong> created. Its secret is shown only now:
          </p>
          <pre class="mono">
            {`AWS_ACCESS_KEY_ID=${created.accessKeyId}\nAWS_SECRET_ACCESS_KEY=${created.secretAccessKey ?? ''}`}
          </pre>
          <CopyButton text={`export AWS_ACCESS_KEY_ID=${created.accessKeyId}\nexport AWS_SECRET_ACCESS_KEY=${created.secretAccessKey ?? ''}\n`} />
          <button type="button" class="small" onClick={() => setCreated(undefined)}>
            Done
          </button>
        </div>
      )}
      <Show value={list} what="keys">
        {(keys) => (
          <div class="scroll">
            <table class="list" data-testid="keys">
              <thead>
                <tr>
                  <th>Name</th>
                  <th>Access key id</th>
                  <th>Buckets</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {keys.map((k) => (
                  <tr key={k.accessKeyId} tabIndex={0} data-row>
                    <td>{k.name}</td>
                    <td class="mono">{k.accessKeyId}</td>
                    <td>{k.buckets.map(bucketLabel).join(', ')}</td>
                    <td class="actions">
                      <button type="button" class="small danger" onClick={() => remove(k)}>
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

const FLAGS = ['read', 'write', 'owner'] as const;

/** A click on the matrix not yet shown by a load; `settledAs` once its request has finished. */
interface Pending {
  readonly on: boolean;
  readonly settledAs?: number;
}

export function Permissions({ ctx }: { ctx: Ctx }) {
  const admin = ctx.api.admin;
  // Counts the toggles whose request has finished; a load remembers the count it started at.
  const settled = useRef(0);
  const [data, reload] = useAsync(async (signal) => {
    if (admin === undefined) return undefined;
    const seenSettled = settled.current;
    const [keys, buckets] = await Promise.all([admin.listKeys({ signal }), admin.listBuckets({ signal })]);
    const infos = await Promise.all(buckets.map((b) => admin.getBucketInfo({ id: b.id }, { signal })));
    return { keys, buckets: infos, seenSettled };
  }, []);
  const [error, setError] = useState<string>();
  // What the user just clicked, shown until a matrix loaded after its request finished says it.
  // A load that began earlier (the reload of the previous click, say) knows nothing of it and
  // must not undo the tick the user sees.
  const [pending, setPending] = useState<ReadonlyMap<string, Pending>>(new Map());
  useEffect(() => {
    if (data.state !== 'ready' || data.value === undefined) return;
    const seen = data.value.seenSettled;
    setPending((m) => new Map([...m].filter(([, p]) => p.settledAs === undefined || p.settledAs > seen)));
  }, [data]);
  if (admin === undefined) return <p>Permissions are managed with the admin token.</p>;
  const toggle = async (bucketId: string, keyId: string, flag: (typeof FLAGS)[number], on: boolean) => {
    setError(undefined);
    const cell = `${bucketId}/${keyId}/${flag}`;
    setPending((m) => new Map(m).set(cell, { on }));
    try {
      if (on) await admin.allowKey(bucketId, keyId, { [flag]: true });
      else await admin.denyKey(bucketId, keyId, { [flag]: true });
      const settledAs = ++settled.current;
      // Only if no later click on the same cell has replaced this one.
      setPending((m) => (m.get(cell)?.on === on && m.get(cell)?.settledAs === undefined ? new Map(m).set(cell, { on, settledAs }) : m));
      ctx.api.reset();
      reload();
    } catch (err) {
      setError(describeError(err));
      setPending((m) => {
        const n = new Map(m);
        n.delete(`${bucketId}/${keyId}/${flag}`);
        return n;
      });
    }
  };
  return (
    <section>
      <h1>Permissions</h1>
      <p class="muted">Keys × buckets: read / write / owner. A change applies at once.</p>
      <ErrorBox error={error} />
      <Show value={data} what="permissions">
        {(d) =>
          d === undefined ? null : (
            <div class="scroll">
              <table class="matrix" data-testid="permissions">
                <thead>
                  <tr>
                    <th>Key</th>
                    {d.buckets.map((b) => (
                      <th key={b.id} title={b.id}>
                        {bucketLabel(b)}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {d.keys.map((k) => (
                    <tr key={k.id}>
                      <th scope="row">
                        {k.name}
                        <div class="muted mono small">{k.id}</div>
                      </th>
                      {d.buckets.map((b) => {
                        const p = b.keys.find((x) => x.accessKeyId === k.id)?.permissions;
                        return (
                          <td key={b.id}>
                            {FLAGS.map((f) => (
                              <label class="flag" key={f}>
                                <input
                                  type="checkbox"
                                  checked={pending.get(`${b.id}/${k.id}/${f}`)?.on ?? p?.[f] ?? false}
                                  aria-label={`${f} of ${k.name} on ${bucketLabel(b)}`}
                                  onChange={(e) => void toggle(b.id, k.id, f, e.currentTarget.checked)}
                                />
                                {f[0]!.toUpperCase()}
                              </label>
                            ))}
                          </td>
                        );
                      })}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </Show>
    </section>
  );
}
