/**
 * The items of a partition (ReadBatch, one query, one page): sort key, size, concurrent values,
 * a preview; prefix / start / end filters; live, with-tombstones and conflicts-only views;
 * insert a new item; delete the filtered range (after saying what it removes).
 */
import { useEffect, useState } from 'preact/hooks';
import { isLive, type KeyedItem } from 'k2v-client';
import { describeError } from '../api.js';
import { formatBytes, oneLine } from '../lib/preview.js';
import { href, type ItemsMode } from '../lib/route.js';
import { ErrorBox, Show, useAsync, useListKeys } from '../ui.js';
import { go, type Ctx } from './ctx.js';
import { Pager, PAGE } from './partitions.js';
import { BucketTitle } from './title.js';

interface Props {
  ctx: Ctx;
  bucket: string;
  pk: string;
  prefix: string;
  start: string;
  end: string;
  mode: ItemsMode;
}

const opt = (k: string, v: string) => (v === '' ? {} : { [k]: v });

export function Items({ ctx, bucket, pk, prefix, start, end, mode }: Props) {
  useListKeys();
  const [page, reload] = useAsync(async (signal) => {
    const { client } = await ctx.api.access(bucket);
    const [res] = await client.readBatch(
      [{ partitionKey: pk, ...opt('prefix', prefix), ...opt('start', start), ...opt('end', end), limit: PAGE, conflictsOnly: mode === 'conflicts', tombstones: mode === 'tombstones' }],
      { signal },
    );
    return res!;
  }, [bucket, pk, prefix, start, end, mode]);
  const [f, setF] = useState({ prefix, start, end, mode });
  useEffect(() => setF({ prefix, start, end, mode }), [prefix, start, end, mode]);
  const [sk, setSk] = useState('');
  const [value, setValue] = useState('');
  const [error, setError] = useState<string>();
  const here = (o: Partial<Props>) => href({ view: 'items', bucket, pk, prefix, start, end, mode, ...o });

  const insert = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    try {
      const { client } = await ctx.api.access(bucket);
      const existing = await client.readItem(pk, sk);
      if (existing !== undefined && existing.values.some(isLive)) {
        throw new Error(`${sk} already exists: open it to edit it with its causality token (a write without the token would add a concurrent value).`);
      }
      await client.insertItem(pk, sk, value, existing?.token);
      setSk('');
      setValue('');
      reload();
    } catch (err) {
      setError(describeError(err));
    }
  };

  const deleteRange = (shown: number, more: boolean) =>
    ctx.confirm({
      title: 'Delete a range of items?',
      lines: [
        `Partition ${pk}`,
        prefix === '' && start === '' && end === '' ? 'Every item of the partition' : `Items with${prefix === '' ? '' : ` prefix "${prefix}"`}${start === '' ? '' : ` from "${start}"`}${end === '' ? '' : ` before "${end}"`}`,
        more ? `At least ${shown} items (only the first page is loaded; every matching item is deleted)` : `${shown} item(s)`,
        'Each becomes a tombstone (DeleteBatch); readers see them gone.',
      ],
      action: 'Delete range',
      run: async () => {
        const { client } = await ctx.api.access(bucket);
        await client.deleteBatch([{ partitionKey: pk, ...opt('prefix', prefix), ...opt('start', start), ...opt('end', end) }]);
        reload();
      },
    });

  return (
    <section>
      <BucketTitle ctx={ctx} bucket={bucket} pk={pk}>
        {' '}
        · <a href={href({ view: 'tail', bucket, pk, prefix })}>Live tail</a>
      </BucketTitle>
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          go(here({ ...f }));
        }}
      >
        <input data-search name="prefix" aria-label="Sort key prefix" placeholder="prefix" value={f.prefix} onInput={(e) => setF({ ...f, prefix: e.currentTarget.value })} />
        <input name="start" aria-label="Start (inclusive)" placeholder="start" value={f.start} onInput={(e) => setF({ ...f, start: e.currentTarget.value })} />
        <input name="end" aria-label="End (exclusive)" placeholder="end" value={f.end} onInput={(e) => setF({ ...f, end: e.currentTarget.value })} />
        <select name="mode" aria-label="Which items" value={f.mode} onChange={(e) => go(here({ ...f, mode: e.currentTarget.value as ItemsMode }))}>
          <option value="live">Live items</option>
          <option value="tombstones">With tombstones</option>
          <option value="conflicts">Conflicts only</option>
        </select>
        <button type="submit">Filter</button>
      </form>
      <ErrorBox error={error} />
      <Show value={page} what="items">
        {(res) => (
          <>
            <div class="scroll">
              <table class="list" data-testid="items">
                <thead>
                  <tr>
                    <th>Sort key</th>
                    <th class="num">Size</th>
                    <th class="num">Values</th>
                    <th>Preview</th>
                  </tr>
                </thead>
                <tbody>
                  {res.items.length === 0 && (
                    <tr>
                      <td colSpan={4} class="muted">
                        No item here.
                      </td>
                    </tr>
                  )}
                  {res.items.map((it) => (
                    <ItemRow key={it.sk} item={it} link={href({ view: 'item', bucket, pk, sk: it.sk })} />
                  ))}
                </tbody>
              </table>
            </div>
            <Pager first={start === '' ? undefined : here({ start: '' })} next={res.more && res.nextStart !== null ? here({ start: res.nextStart }) : undefined} shown={res.items.length} />
            <div class="actions">
              <button type="button" class="danger" onClick={() => deleteRange(res.items.length, res.more)} disabled={res.items.length === 0}>
                Delete this range…
              </button>
            </div>
          </>
        )}
      </Show>
      <form class="new-item" onSubmit={insert}>
        <h2>New item</h2>
        <input name="sk" aria-label="Sort key of the new item" placeholder="sort key" value={sk} onInput={(e) => setSk(e.currentTarget.value)} required />
        <textarea name="value" aria-label="Value of the new item (UTF-8 text)" placeholder="value (text or JSON)" rows={3} value={value} onInput={(e) => setValue(e.currentTarget.value)} />
        <button type="submit">Insert</button>
      </form>
    </section>
  );
}

function ItemRow({ item, link }: { item: KeyedItem; link: string }) {
  const live = item.values.filter(isLive);
  const size = live.reduce((n, v) => n + v.byteLength, 0);
  const conflict = item.values.length > 1;
  return (
    <tr class={conflict ? 'conflict' : live.length === 0 ? 'tombstone' : ''}>
      <td>
        <a data-row class="mono" href={link}>
          {item.sk}
        </a>
      </td>
      <td class="num">{formatBytes(size)}</td>
      <td class={conflict ? 'num warn' : 'num'}>{item.values.length}</td>
      <td class="preview mono">{live.length === 0 ? <em class="muted">tombstone</em> : oneLine(live[0]!)}</td>
    </tr>
  );
}
