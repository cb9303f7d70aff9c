/**
 * The partitions of a bucket (ReadIndex), one page at a time: prefix search, next/previous by
 * `nextStart` (the start of each page is in the URL, so a page is a deep link), counters.
 */
import { useState } from 'preact/hooks';
import { formatBytes } from '../lib/preview.js';
import { href } from '../lib/route.js';
import { Show, useAsync, useListKeys } from '../ui.js';
import { go, type Ctx } from './ctx.js';
import { BucketTitle } from './title.js';

export const PAGE = 50;

export function Partitions({ ctx, bucket, prefix, start }: { ctx: Ctx; bucket: string; prefix: string; start: string }) {
  useListKeys();
  const [page] = useAsync(async (signal) => {
    const { client, accessKeyId, keyName } = await ctx.api.access(bucket);
    const res = await client.readIndex({ ...(prefix === '' ? {} : { prefix }), ...(start === '' ? {} : { start }), limit: PAGE }, { signal });
    return { res, accessKeyId, keyName };
  }, [bucket, prefix, start]);
  const [search, setSearch] = useState(prefix);
  const [pk, setPk] = useState('');
  return (
    <section>
      <BucketTitle ctx={ctx} bucket={bucket} />
      <div class="toolbar">
        <form
          class="inline"
          onSubmit={(e) => {
            e.preventDefault();
            go(href({ view: 'partitions', bucket, prefix: search, start: '' }));
          }}
        >
          <input data-search name="prefix" aria-label="Partition key prefix" placeholder="partition key prefix  ( / )" value={search} onInput={(e) => setSearch(e.currentTarget.value)} />
          <button type="submit">Search</button>
        </form>
        <form
          class="inline"
          onSubmit={(e) => {
            e.preventDefault();
            if (pk !== '') go(href({ view: 'items', bucket, pk, prefix: '', start: '', end: '', mode: 'live' }));
          }}
        >
          <input name="openPk" aria-label="Open a partition by key" placeholder="open or create a partition" value={pk} onInput={(e) => setPk(e.currentTarget.value)} />
          <button type="submit">Open</button>
        </form>
      </div>
      <Show value={page} what="partitions">
        {({ res, accessKeyId, keyName }) => (
          <>
            <p class="muted small">
              Signed with key {keyName === undefined ? '' : `${keyName} `}
              <span class="mono">{accessKeyId}</span>
              {start !== '' && (
                <>
                  {' '}
                  · from <span class="mono">{start}</span>
                </>
              )}
            </p>
            <div class="scroll">
              <table class="list" data-testid="partitions">
                <thead>
                  <tr>
                    <th>Partition key</th>
                    <th class="num">Entries</th>
                    <th class="num">Conflicts</th>
                    <th class="num">Values</th>
                    <th class="num">Bytes</th>
                  </tr>
                </thead>
                <tbody>
                  {res.partitionKeys.length === 0 && (
                    <tr>
                      <td colSpan={5} class="muted">
                        No partition{prefix === '' ? '' : ' with this prefix'}.
                      </td>
                    </tr>
                  )}
                  {res.partitionKeys.map((p) => (
                    <tr key={p.pk}>
                      <td>
                        <a data-row class="mono" href={href({ view: 'items', bucket, pk: p.pk, prefix: '', start: '', end: '', mode: 'live' })}>
                          {p.pk}
                        </a>
                      </td>
                      <td class="num">{p.entries}</td>
                      <td class={p.conflicts > 0 ? 'num warn' : 'num'}>{p.conflicts}</td>
                      <td class="num">{p.values}</td>
                      <td class="num">{formatBytes(p.bytes)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <Pager
              first={start === '' ? undefined : href({ view: 'partitions', bucket, prefix, start: '' })}
              next={res.more && res.nextStart !== null ? href({ view: 'partitions', bucket, prefix, start: res.nextStart }) : undefined}
              shown={res.partitionKeys.length}
            />
          </>
        )}
      </Show>
    </section>
  );
}

/** First page / back / next page; `n` and `p` keys too (handled here). */
export function Pager({ first, next, shown }: { first: string | undefined; next: string | undefined; shown: number }) {
  return (
    <nav class="pager" aria-label="Pages">
      {first !== undefined && <a href={first}>⟪ First page</a>}
      {first !== undefined && (
        <button type="button" class="link" onClick={() => history.back()}>
          ‹ Previous
        </button>
      )}
      <span class="muted">{shown} shown</span>
      {next !== undefined && (
        <a href={next} data-testid="next-page" rel="next">
          Next page ›
        </a>
      )}
    </nav>
  );
}
