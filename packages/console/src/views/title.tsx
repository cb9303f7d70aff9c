/** The bucket's name over its pages, and the path to where the user is. */
import type { ComponentChildren } from 'preact';
import { href } from '../lib/route.js';
import { useAsync } from '../ui.js';
import { bucketLabel } from './buckets.js';
import type { Ctx } from './ctx.js';

export function BucketTitle({ ctx, bucket, pk, children }: { ctx: Ctx; bucket: string; pk?: string; children?: ComponentChildren }) {
  const [info] = useAsync(async (signal) => (ctx.api.admin === undefined ? bucket : bucketLabel(await ctx.api.admin.getBucketInfo({ id: bucket }, { signal }))), [bucket]);
  const name = info.state === 'ready' ? info.value : bucket.length === 64 ? `${bucket.slice(0, 16)}…` : bucket;
  return (
    <nav class="crumbs" aria-label="Where you are">
      <a href={href({ view: 'buckets' })}>Buckets</a>
      <span aria-hidden="true"> / </span>
      <a href={href({ view: 'partitions', bucket, prefix: '', start: '' })}>{name}</a>
      {pk !== undefined && (
        <>
          <span aria-hidden="true"> / </span>
          <a class="mono" href={href({ view: 'items', bucket, pk, prefix: '', start: '', end: '', mode: 'live' })}>
            {pk}
          </a>
        </>
      )}
      {children}
    </nav>
  );
}
