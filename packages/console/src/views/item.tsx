/**
 * One item: every concurrent value side by side with the causality token; edit, delete, keep
 * one value or write a merged one (a write with the token supersedes every value read, so a
 * conflict is resolved in one action). A PollItem runs in the background with the token shown:
 * when someone else changes the item, the page says so before the user overwrites it.
 */
import { useEffect, useState } from 'preact/hooks';
import { isLive, type Item, type Value } from 'k2v-client';
import { describeError } from '../api.js';
import { formatBytes, fromBase64, render, utf8, type PreviewKind } from '../lib/preview.js';
import { href } from '../lib/route.js';
import { itemSnippets } from '../lib/snippets.js';
import { CopyButton, ErrorBox, Show, useAsync } from '../ui.js';
import { go, type Ctx } from './ctx.js';
import { BucketTitle } from './title.js';

export function ItemView({ ctx, bucket, pk, sk }: { ctx: Ctx; bucket: string; pk: string; sk: string }) {
  const [item, reload] = useAsync(async (signal) => (await ctx.api.access(bucket)).client.readItem(pk, sk, { signal }), [bucket, pk, sk]);
  const [changed, setChanged] = useState(false);
  const token = item.state === 'ready' ? item.value?.token : undefined;

  useEffect(() => {
    setChanged(false);
    if (token === undefined) return;
    const ac = new AbortController();
    (async () => {
      const { client } = await ctx.api.access(bucket);
      while (!ac.signal.aborted) {
        const next = await client.pollItem(pk, sk, token, { timeoutSeconds: 60, signal: ac.signal });
        if (next !== undefined) {
          setChanged(true);
          return;
        }
      }
    })().catch(() => undefined);
    return () => ac.abort();
  }, [bucket, pk, sk, token]);

  return (
    <section>
      <BucketTitle ctx={ctx} bucket={bucket} pk={pk}>
        <span aria-hidden="true"> / </span>
        <span class="mono">{sk}</span>
      </BucketTitle>
      {changed && (
        <div class="notice warn" role="status" data-testid="changed">
          This item changed since it was shown. A save now would be concurrent with that change.{' '}
          <button type="button" onClick={reload}>
            Reload
          </button>
        </div>
      )}
      <Show value={item} what="the item">
        {(it) => <ItemBody ctx={ctx} bucket={bucket} pk={pk} sk={sk} item={it} reload={reload} />}
      </Show>
    </section>
  );
}

function ItemBody({ ctx, bucket, pk, sk, item, reload }: { ctx: Ctx; bucket: string; pk: string; sk: string; item: Item | undefined; reload: () => void }) {
  const values = item?.values ?? [];
  const firstLive = values.find(isLive);
  const [draft, setDraft] = useState(() => (firstLive === undefined ? '' : utf8(firstLive) ?? ''));
  const [encoding, setEncoding] = useState<'text' | 'base64'>('text');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const conflict = values.length > 1;

  const write = async (v: Uint8Array | string | null) => {
    setBusy(true);
    setError(undefined);
    try {
      const { client } = await ctx.api.access(bucket);
      if (v === null) await client.deleteItem(pk, sk, item?.token);
      else await client.insertItem(pk, sk, v, item?.token);
      reload();
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  };
  const save = (e: Event) => {
    e.preventDefault();
    if (encoding === 'base64') {
      const bytes = fromBase64(draft);
      if (bytes === undefined) {
        setError('Not valid base64.');
        return;
      }
      void write(bytes);
    } else void write(draft);
  };
  const remove = () =>
    ctx.confirm({
      title: `Delete ${sk}?`,
      lines: [`Partition ${pk}, sort key ${sk}`, `${values.filter(isLive).length} value(s) replaced by a tombstone (with the token shown)`],
      action: 'Delete item',
      run: () => write(null),
    });
  const snippets = itemSnippets(bucket, pk, sk, item?.token);

  return (
    <>
      {item === undefined ? (
        <p class="muted">This item was never written (or its tombstone was collected). Write a first value below.</p>
      ) : (
        <div class="token">
          <span class="muted">Causality token</span> <code data-testid="token">{item.token}</code> <CopyButton text={item.token} />
          {conflict && (
            <span class="badge warn" data-testid="conflict">
              {values.length} concurrent values
            </span>
          )}
        </div>
      )}
      <div class="values">
        {values.map((v, i) => (
          <ValueCard key={i} index={i} value={v} conflict={conflict} busy={busy} keep={() => v !== null && void write(v)} edit={() => v !== null && setDraft(utf8(v) ?? '')} />
        ))}
      </div>
      <form class="editor" onSubmit={save}>
        <h2>{conflict ? 'Write a merged value (resolves the conflict)' : item === undefined ? 'Write' : 'Edit'}</h2>
        <textarea name="draft" aria-label="Value to write" rows={6} value={draft} onInput={(e) => setDraft(e.currentTarget.value)} />
        <div class="actions">
          <select aria-label="Encoding of the value" value={encoding} onChange={(e) => setEncoding(e.currentTarget.value as 'text' | 'base64')}>
            <option value="text">UTF-8 text</option>
            <option value="base64">base64 bytes</option>
          </select>
          <button type="submit" class="primary" disabled={busy} data-testid="save">
            {conflict ? 'Write merged value' : 'Save'}
          </button>
          {item !== undefined && (
            <button type="button" class="danger" onClick={remove} disabled={busy}>
              Delete…
            </button>
          )}
          <a href={href({ view: 'items', bucket, pk, prefix: '', start: '', end: '', mode: 'live' })} onClick={(e) => (e.preventDefault(), history.length > 1 ? history.back() : go(href({ view: 'items', bucket, pk, prefix: '', start: '', end: '', mode: 'live' })))}>
            Back to the partition
          </a>
        </div>
        <ErrorBox error={error} />
      </form>
      <Snippets s={snippets} />
    </>
  );
}

function ValueCard({ index, value, conflict, busy, keep, edit }: { index: number; value: Value; conflict: boolean; busy: boolean; keep: () => void; edit: () => void }) {
  const [kind, setKind] = useState<PreviewKind>('auto');
  if (value === null) {
    return (
      <article class="value tombstone" data-testid="value">
        <header>
          <strong>Value {index + 1}</strong> <em class="muted">tombstone (deleted)</em>
        </header>
      </article>
    );
  }
  const shown = render(value, kind);
  return (
    <article class="value" data-testid="value">
      <header>
        <strong>Value {index + 1}</strong>
        <span class="muted">
          {formatBytes(value.byteLength)} · {shown.kind}
        </span>
        <select aria-label={`Show value ${index + 1} as`} value={kind} onChange={(e) => setKind(e.currentTarget.value as PreviewKind)}>
          <option value="auto">auto</option>
          <option value="text">text</option>
          <option value="json">JSON</option>
          <option value="hex">hex</option>
          <option value="base64">base64</option>
        </select>
      </header>
      <pre class="mono" data-testid="value-text">
        {shown.text}
      </pre>
      <div class="actions">
        <button type="button" class="small" onClick={edit}>
          Edit from this
        </button>
        {conflict && (
          <button type="button" class="small primary" onClick={keep} disabled={busy} data-testid="keep">
            Keep this one
          </button>
        )}
      </div>
    </article>
  );
}

function Snippets({ s }: { s: ReturnType<typeof itemSnippets> }) {
  const [tab, setTab] = useState<keyof typeof s>('curl');
  const labels = { curl: 'curl', cli: 'k2v CLI', client: 'k2v-client' } as const;
  return (
    <section class="snippets">
      <h2>Do the same elsewhere</h2>
      <div class="tabs" role="tablist">
        {(Object.keys(labels) as (keyof typeof s)[]).map((k) => (
          <button key={k} type="button" role="tab" aria-selected={tab === k} onClick={() => setTab(k)}>
            {labels[k]}
          </button>
        ))}
      </div>
      <pre class="mono snippet" data-testid="snippet">
        {s[tab]}
      </pre>
      <CopyButton text={s[tab]} />
      <p class="muted small">They read K2V_ENDPOINT, AWS_REGION, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY from the environment.</p>
    </section>
  );
}
