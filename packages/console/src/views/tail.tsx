/** Live tail of a partition (PollRange through watchRange): changes appear, highlighted, as they commit. */
import { useEffect, useState } from 'preact/hooks';
import { isLive, type KeyedItem } from 'k2v-client';
import { describeError } from '../api.js';
import { oneLine } from '../lib/preview.js';
import { href } from '../lib/route.js';
import { ErrorBox } from '../ui.js';
import type { Ctx } from './ctx.js';
import { BucketTitle } from './title.js';

interface Change {
  readonly n: number;
  readonly at: string;
  readonly item: KeyedItem;
}

const KEEP = 200;

export function Tail({ ctx, bucket, pk, prefix }: { ctx: Ctx; bucket: string; pk: string; prefix: string }) {
  const [changes, setChanges] = useState<Change[]>([]);
  const [state, setState] = useState<'starting' | 'watching' | 'stopped'>('starting');
  const [error, setError] = useState<string>();
  useEffect(() => {
    const ac = new AbortController();
    let n = 0;
    setChanges([]);
    setState('starting');
    (async () => {
      const { client } = await ctx.api.access(bucket);
      const watch = client.watchRange(pk, prefix === '' ? {} : { prefix }, { initial: false, timeoutSeconds: 60, signal: ac.signal });
      setState('watching');
      for await (const batch of watch) {
        const at = new Date().toLocaleTimeString();
        const fresh = batch.items.map((item) => ({ n: ++n, at, item }));
        setChanges((old) => [...fresh.reverse(), ...old].slice(0, KEEP));
      }
    })().then(
      () => setState('stopped'),
      (e: unknown) => {
        if (ac.signal.aborted) return;
        setError(describeError(e));
        setState('stopped');
      },
    );
    return () => ac.abort();
  }, [bucket, pk, prefix]);
  return (
    <section>
      <BucketTitle ctx={ctx} bucket={bucket} pk={pk}>
        <span aria-hidden="true"> / </span>live tail
      </BucketTitle>
      <p class="muted" role="status" data-testid="tail-state">
        {state === 'watching' ? `Watching ${prefix === '' ? 'the partition' : `sort keys beginning with "${prefix}"`} for changes…` : state === 'starting' ? 'Starting…' : 'Stopped.'}
      </p>
      <ErrorBox error={error} />
      <ol class="tail" data-testid="tail">
        {changes.map((c) => (
          <li key={c.n} class={c.n > 0 ? 'fresh' : ''}>
            <span class="muted">{c.at}</span>{' '}
            <a class="mono" href={href({ view: 'item', bucket, pk, sk: c.item.sk })}>
              {c.item.sk}
            </a>{' '}
            {c.item.values.length > 1 && <span class="badge warn">{c.item.values.length} values</span>}{' '}
            <span class="mono preview">{c.item.values.some(isLive) ? oneLine(c.item.values.find(isLive)!) : 'deleted (tombstone)'}</span>
          </li>
        ))}
      </ol>
    </section>
  );
}
