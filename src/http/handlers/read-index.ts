/**
 * ReadIndex `GET /<b>?prefix=&start=&end=&limit=&reverse=` (contract section 7): partition keys
 * with their counters, over the range of section 8.
 */
import { checkRange, scanStart, walkRange, type RangeSpec } from '../../k2v/range.js';
import type { HandlerContext } from '../context.js';
import { sendJson } from '../respond.js';

export interface ReadIndexQuery {
  prefix: string | undefined;
  start: string | undefined;
  end: string | undefined;
  limit: number | undefined;
  reverse: boolean | undefined;
}

export function handleReadIndex(ctx: HandlerContext, q: ReadIndexQuery): void {
  const spec: RangeSpec = { prefix: q.prefix, start: q.start, end: q.end, limit: q.limit, reverse: q.reverse ?? false };
  const err = checkRange(spec);
  if (err !== undefined) throw err;
  const snap = ctx.store.snapshot();
  try {
    const walk = walkRange(snap.scanIndex(ctx.bucketId, scanStart(spec), spec.reverse), (e) => e.pk, spec);
    const partitionKeys: object[] = [];
    let r = walk.next();
    while (r.done !== true) {
      const { pk, counts } = r.value;
      partitionKeys.push({ pk, entries: counts.entries, conflicts: counts.conflicts, values: counts.values, bytes: counts.bytes });
      r = walk.next();
    }
    sendJson(
      ctx,
      200,
      JSON.stringify({
        prefix: q.prefix ?? null,
        start: q.start ?? null,
        end: q.end ?? null,
        limit: q.limit ?? null,
        reverse: spec.reverse,
        partitionKeys,
        more: r.value.more,
        nextStart: r.value.nextStart,
      }),
    );
  } finally {
    snap.close();
  }
}
