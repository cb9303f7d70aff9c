/**
 * PollRange `POST|SEARCH /<b>/<pk>?poll_range` (contract section 10).
 *
 * Without a seen marker: every item of the range at once. With one: wait until an item of the
 * range has a causal context the marker does not cover. The new marker advances every writer
 * node's clock to the snapshot's watermark, which is sound because the response holds every item
 * of the range that is new to the marker in that snapshot.
 *
 * Only the first check reads the whole range. After it found nothing new, an item can only become
 * new by changing, and every change committed after `subscribe` is delivered (or followed by a
 * resync): so each later check reads just the sort keys changed since the previous check began
 * (in sort-key order), and its answer is the one a whole-range read of its snapshot would give.
 * A resync (changes may have been missed) makes the next check read the whole range again. The
 * cost of a wake-up is the changed items', whatever the size of the range.
 *
 * A poll re-issued with a marker this process answered reads, at its first check too, only the
 * items changed since that answer, from the partition's change log (k2v/change-log.ts says why
 * that is sound); a marker not found there (another process's, forgotten, hand-made) reads the
 * whole range.
 */
import { causalContext, type DvvsItem } from '../../k2v/dvvs.js';
import { badRequest } from '../../k2v/errors.js';
import { checkRange, inRange, RangeWalker, type RangeSpec } from '../../k2v/range.js';
import {
  decodeSeenMarker,
  encodeSeenMarker,
  isNewItem,
  markSeen,
  restrict,
  type SeenMarker,
} from '../../k2v/seen-marker.js';
import { ClockBound, type ItemView } from '../../store/item-view.js';
import { scanQueryOf } from '../../store/scan-query.js';
import type { HandlerContext } from '../context.js';
import { asObject, optString, optUint, parseJson } from '../json-body.js';
import { answerKey } from '../poll-range-logs.js';
import { longPoll, pollTimeoutMs } from '../long-poll.js';
import { sendJson } from '../respond.js';
import { itemJson } from '../wire.js';

interface PollAnswer {
  items: { sk: string; item: DvvsItem }[];
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
  const rangeKey = JSON.stringify([spec.prefix, spec.start, spec.end]);
  // Held before subscribing: the log must be receiving changes when this poll takes its position.
  const hold = ctx.rangeLogs.hold(ctx.bucketId, ep.pk);
  /** The partition log's position when this poll subscribed (k2v/change-log.ts). */
  let position = 0;
  /** Sort keys changed since the running (or last) check began; undefined: read the whole range. */
  let changed: Set<string> | undefined;
  let firstCheck = true;
  return longPoll<PollAnswer>(ctx, {
    timeoutMs: pollTimeoutMs(timeout),
    subscribe: (wake) => {
      position = hold?.log.position ?? 0;
      return ctx.store.subscribe(
        ctx.bucketId,
        ep.pk,
        (change) => {
          if (!inRange(change.sk, spec)) return;
          changed?.add(change.sk);
          wake();
        },
        () => {
          changed = undefined;
          wake();
        },
      );
    },
    check: () => {
      const keys = changed;
      // From here on, changes are collected for the next check (also when this one reads it all).
      changed = new Set();
      const first = firstCheck;
      firstCheck = false;
      // A poll re-issued with the marker this process answered: only what changed since then.
      const key = since !== undefined && keys === undefined && first ? answerKey(markerText!, rangeKey) : undefined;
      const logged = key === undefined ? undefined : hold?.log.changedSince(key);
      const only = keys !== undefined ? [...keys] : logged?.filter((sk) => inRange(sk, spec));
      ctx.rangeLogs.checks[since === undefined || only === undefined ? 'range' : 'changed']++;
      if (since === undefined || only === undefined) return scan(ctx, ep.pk, spec, since);
      return rescan(ctx, ep.pk, spec, only, since);
    },
    respond: (answer) => {
      const items = answer.items.map((e) => itemJson(e.sk, e.item)).join(',');
      const marker = encodeSeenMarker(answer.marker);
      const key = answerKey(marker, rangeKey);
      if (key !== undefined) hold?.log.remember(key, position);
      sendJson(ctx, 200, `{"items":[${items}],"seenMarker":${JSON.stringify(marker)}}`);
    },
  }).finally(() => hold?.release());
}

const skOf = (v: ItemView): string => v.sk;

/** Contract section 8: sort keys compare by their UTF-8 bytes. */
function byUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** A later check: only the items changed since the previous check, read from one snapshot. */
function rescan(ctx: HandlerContext, pk: string, spec: RangeSpec, keys: string[], since: SeenMarker): Promise<PollAnswer | undefined> {
  if (keys.length > 1) keys.sort(byUtf8);
  return ctx.store.read(async (snap) => {
    const items: { sk: string; item: DvvsItem; ctx: Map<bigint, bigint> }[] = [];
    for (const sk of keys) {
      const v = await snap.getItem(ctx.bucketId, pk, sk);
      if (v === undefined) continue;
      const item = v.toItem();
      const cc = causalContext(item);
      if (isNewItem(since, sk, cc)) items.push({ sk, item, ctx: cc });
    }
    if (items.length === 0) return undefined;
    return { items, marker: restrict(markSeen(since, await snap.watermark(), items), spec) };
  });
}

function scan(ctx: HandlerContext, pk: string, spec: RangeSpec, since: SeenMarker | undefined): Promise<PollAnswer | undefined> {
  return ctx.store.read(async (snap) => {
    const items: { sk: string; item: DvvsItem; ctx: Map<bigint, bigint> }[] = [];
    // Deviation (bug fix): the first key is `start`, else `prefix` (scanStart), on every call.
    const walker = new RangeWalker(spec, skOf);
    // Only items newer than the marker's clock can be new to it (isNewItem): the rest are checked
    // on their record's bytes, not decoded, since a re-issued poll reads its whole range again.
    const bound = since === undefined ? undefined : new ClockBound(since.vc);
    scan: for await (const page of snap.scanItems(ctx.bucketId, pk, scanQueryOf(spec))) {
      for (const v of page) {
        if (walker.offer(v) === 'stop') break scan;
        if (bound !== undefined && !v.newerThan(bound)) continue;
        const item = v.toItem();
        const cc = causalContext(item);
        if (since === undefined || isNewItem(since, v.sk, cc)) items.push({ sk: v.sk, item, ctx: cc });
      }
    }
    if (since !== undefined && items.length === 0) return undefined;
    return { items, marker: restrict(markSeen(since ?? EMPTY_MARKER, await snap.watermark(), items), spec) };
  });
}
