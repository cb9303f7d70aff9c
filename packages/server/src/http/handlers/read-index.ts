/**
 * ReadIndex `GET /<b>?prefix=&start=&end=&limit=&reverse=` (contract section 7): partition keys
 * with their counters, over the range of section 8.
 */
import { Buffer } from 'node:buffer';
import { checkRange, RangeWalker, type RangeSpec } from '../../k2v/range.js';
import { scanQueryOf } from '../../store/scan-query.js';
import type { IndexEntry } from '../../store/store.js';
import type { HandlerContext } from '../context.js';
import { JSON_TYPE, send } from '../respond.js';
import { isAscii, jsonString } from '../wire.js';

export interface ReadIndexQuery {
  prefix: string | undefined;
  start: string | undefined;
  end: string | undefined;
  limit: number | undefined;
  reverse: boolean | undefined;
}

const pkOf = (e: IndexEntry): string => e.pk;

export async function handleReadIndex(ctx: HandlerContext, q: ReadIndexQuery): Promise<void> {
  const spec: RangeSpec = { prefix: q.prefix, start: q.start, end: q.end, limit: q.limit, reverse: q.reverse ?? false };
  const err = checkRange(spec);
  if (err !== undefined) throw err;
  // Written by hand (once per partition), as JSON.stringify of the same objects would.
  let partitionKeys = '';
  // Whether the body is all ASCII: then it is sent as latin1 (the same bytes), which spares
  // measuring and encoding it as UTF-8.
  let ascii = true;
  const walker = new RangeWalker(spec, pkOf);
  await ctx.store.read(async (snap) => {
    scan: for await (const page of snap.scanIndex(ctx.bucketId, scanQueryOf(spec))) {
      for (let i = 0; i < page.length; i++) {
        const e = page[i]!;
        if (walker.offer(e) === 'stop') break scan;
        const { pk, counts } = e;
        ascii &&= isAscii(pk);
        partitionKeys +=
          (partitionKeys === '' ? '{"pk":' : ',{"pk":') +
          jsonString(pk) +
          ',"entries":' +
          counts.entries +
          ',"conflicts":' +
          counts.conflicts +
          ',"values":' +
          counts.values +
          ',"bytes":' +
          counts.bytes +
          '}';
      }
    }
  });
  const end = walker.end();
  const head = JSON.stringify({
    prefix: q.prefix ?? null,
    start: q.start ?? null,
    end: q.end ?? null,
    limit: q.limit ?? null,
    reverse: spec.reverse,
  });
  const tail = `],"more":${end.more},"nextStart":${JSON.stringify(end.nextStart)}}`;
  const json = head.slice(0, -1) + ',"partitionKeys":[' + partitionKeys + tail;
  send(ctx, 200, { 'content-type': JSON_TYPE }, Buffer.from(json, ascii && isAscii(head) && isAscii(tail) ? 'latin1' : 'utf8'));
}
