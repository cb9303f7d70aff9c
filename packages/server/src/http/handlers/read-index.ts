/**
 * ReadIndex `GET /<b>?prefix=&start=&end=&limit=&reverse=` (contract section 7): partition keys
 * with their counters, over the range of section 8.
 */
import { Buffer } from 'node:buffer';
import { checkRange, scanStart, walkRange, type RangeSpec } from '../../k2v/range.js';
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

export function handleReadIndex(ctx: HandlerContext, q: ReadIndexQuery): void {
  const spec: RangeSpec = { prefix: q.prefix, start: q.start, end: q.end, limit: q.limit, reverse: q.reverse ?? false };
  const err = checkRange(spec);
  if (err !== undefined) throw err;
  const snap = ctx.store.snapshot();
  try {
    const walk = walkRange(snap.scanIndex(ctx.bucketId, scanStart(spec), spec.reverse), (e) => e.pk, spec);
    // Written by hand (once per partition), as JSON.stringify of the same objects would.
    let partitionKeys = '';
    // Whether the body is all ASCII: then it is sent as latin1 (the same bytes), which spares
    // measuring and encoding it as UTF-8.
    let ascii = true;
    let r = walk.next();
    while (r.done !== true) {
      const { pk, counts } = r.value;
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
      r = walk.next();
    }
    const head = JSON.stringify({
      prefix: q.prefix ?? null,
      start: q.start ?? null,
      end: q.end ?? null,
      limit: q.limit ?? null,
      reverse: spec.reverse,
    });
    const tail = `],"more":${r.value.more},"nextStart":${JSON.stringify(r.value.nextStart)}}`;
    const json = head.slice(0, -1) + ',"partitionKeys":[' + partitionKeys + tail;
    send(ctx, 200, { 'content-type': JSON_TYPE }, Buffer.from(json, ascii && isAscii(head) && isAscii(tail) ? 'latin1' : 'utf8'));
  } finally {
    snap.close();
  }
}
