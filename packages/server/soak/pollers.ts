/**
 * The soak's long pollers: PollItem loops on the hot items (read, then wait for a change of the
 * token just read) and PollRange loops on the hot partition (first call, then with the seen
 * marker), as a mail client watching a mailbox would. Each answer (200) or timeout (304) starts
 * the next poll at once.
 */
import type { Rng } from '../test/support/rng.js';
import { describe, enc, tokenOf, TransportError, type SignedClient } from '../test/support/signed-client.js';
import type { IntervalStats } from './stats.js';
import { HOT_ITEMS, pkOf, skOf } from './workload.js';

export interface PollerOptions {
  readonly client: SignedClient;
  readonly bucket: string;
  readonly rng: Rng;
  readonly stats: () => IntervalStats;
  /** Poll `timeout`, seconds. */
  readonly timeoutSeconds: number;
  readonly running: () => boolean;
}

export async function pollItemLoop(o: PollerOptions): Promise<void> {
  const pk = pkOf(0);
  while (o.running()) {
    const sk = skOf(o.rng.int(HOT_ITEMS));
    const path = `/${o.bucket}/${enc(pk)}?sort_key=${enc(sk)}`;
    try {
      const read = await o.client.request({ path, headers: { accept: 'application/json' } });
      const token = tokenOf(read);
      if (read.status !== 200 || token === undefined) {
        o.stats().error('PollItem', `read before poll: ${describe(read)}`);
        continue;
      }
      const res = await o.client.request({
        path: `${path}&causality_token=${token}&timeout=${o.timeoutSeconds}`,
        headers: { accept: 'application/json' },
        timeoutMs: (o.timeoutSeconds + 10) * 1000,
      });
      count(o, 'PollItem', res.status, () => describe(res));
    } catch (err) {
      if (!o.running()) return;
      if (!(err instanceof TransportError)) throw err;
      o.stats().error('PollItem', err.message);
    }
  }
}

export async function pollRangeLoop(o: PollerOptions): Promise<void> {
  const path = `/${o.bucket}/${enc(pkOf(0))}?poll_range`;
  let marker: string | undefined;
  while (o.running()) {
    try {
      const body = JSON.stringify(marker === undefined ? {} : { seenMarker: marker, timeout: o.timeoutSeconds });
      const res = await o.client.request({ method: 'POST', path, body, timeoutMs: (o.timeoutSeconds + 10) * 1000 });
      count(o, 'PollRange', res.status, () => describe(res));
      if (res.status === 200) marker = (JSON.parse(res.body.toString('utf8')) as { seenMarker: string }).seenMarker;
    } catch (err) {
      if (!o.running()) return;
      if (!(err instanceof TransportError)) throw err;
      o.stats().error('PollRange', err.message);
    }
  }
}

function count(o: PollerOptions, kind: string, status: number, detail: () => string): void {
  if (status === 200) o.stats().pollAnswers++;
  else if (status === 304) o.stats().pollTimeouts++;
  else o.stats().error(kind, detail());
}
