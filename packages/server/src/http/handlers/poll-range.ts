/**
 * PollRange `POST|SEARCH /<b>/<pk>?poll_range` (contract section 10).
 *
 * Without a seen marker: every item of the range at once. With one: wait until an item of the
 * range has a causal context the marker does not cover. The new marker advances this node's
 * clock to the snapshot's watermark, which is sound because the response holds every item of the
 * range changed up to that watermark (the whole range is re-read from one snapshot each time).
 */
import { causalContext } from '../../k2v/dvvs.js';
import { badRequest } from '../../k2v/errors.js';
import { checkRange, inRange, scanStart, type RangeSpec } from '../../k2v/range.js';
import {
  decodeSeenMarker,
  encodeSeenMarker,
  isNewItem,
  markSeen,
  restrict,
  type SeenMarker,
} from '../../k2v/seen-marker.js';
import type { ItemEntry } from '../../store/store.js';
import type { HandlerContext } from '../context.js';
import { asObject, optString, optUint, parseJson } from '../json-body.js';
import { longPoll, pollTimeoutMs } from '../long-poll.js';
import { sendJson } from '../respond.js';
import { itemJson } from '../wire.js';

interface PollAnswer {
  items: ItemEntry[];
  marker: SeenMarker;
}

const EMPTY_MARKER: SeenMarker = { vc: new Map(), items: new Map() };

export function handlePollRange(ctx: HandlerContext, ep: { pk: string }): Promise<void> {
  if (ctx.body.length === 0) throw badRequest('PollRange needs a JSON object body');
  const o = asObject(parseJson(ctx.body), 'PollRange body');
  const spec: RangeSpec = { prefix: optString(o, 'prefix'), start: optString(o, 'start'), end: optString(o, 'end'), reverse: false };
  const rangeError = checkRange(spec);
  if (rangeError !== undefined) throw rangeError;
  const timeout = optUint(o, 'timeout');
  const markerText = optString(o, 'seenMarker');
  let seen: SeenMarker | undefined;
  if (markerText !== undefined) {
    seen = decodeSeenMarker(markerText, ctx.limits.maxSeenMarkerChars);
    if (seen === undefined) throw badRequest('invalid seen marker');
  }
  const since = seen;
  return longPoll<PollAnswer>(ctx, {
    timeoutMs: pollTimeoutMs(timeout),
    subscribe: (wake) =>
      ctx.store.subscribe(
        ctx.bucketId,
        ep.pk,
        (change) => {
          if (inRange(change.sk, spec)) wake();
        },
        wake,
      ),
    check: () => scan(ctx, ep.pk, spec, since),
    respond: (answer) => {
      const items = answer.items.map((e) => itemJson(e.sk, e.item)).join(',');
      const marker = JSON.stringify(encodeSeenMarker(answer.marker));
      sendJson(ctx, 200, `{"items":[${items}],"seenMarker":${marker}}`);
    },
  });
}

function scan(ctx: HandlerContext, pk: string, spec: RangeSpec, since: SeenMarker | undefined): PollAnswer | undefined {
  const snap = ctx.store.snapshot();
  try {
    const items: ItemEntry[] = [];
    // Deviation (bug fix): the first key is `start`, else `prefix` (scanStart), on every call.
    // The scan begins inside the range, so the first key out of it (past `end` or the prefix)
    // ends it; `break` releases the iterator.
    for (const e of snap.scanItems(ctx.bucketId, pk, scanStart(spec), false)) {
      if (!inRange(e.sk, spec)) break;
      if (since === undefined || isNewItem(since, e.sk, causalContext(e.item))) items.push(e);
    }
    if (since !== undefined && items.length === 0) return undefined;
    const seen = items.map((e) => ({ sk: e.sk, ctx: causalContext(e.item) }));
    return { items, marker: restrict(markSeen(since ?? EMPTY_MARKER, snap.watermark(), seen), spec) };
  } finally {
    snap.close();
  }
}
