// @ts-check
/**
 * A change feed: one process watches a partition and reacts to every write, while another
 * writes to it. The watch is PollRange in a loop with its seen marker, so no change is missed
 * between two polls, and a restart can resume from the last marker it stored. A change carries
 * the item's state when it is reported: versions written in between fold into one change.
 *
 *   K2V_ENDPOINT=… AWS_ACCESS_KEY_ID=… AWS_SECRET_ACCESS_KEY=… K2V_BUCKET=… node examples/change-feed.js
 */
import { K2vClient, text } from 'k2v-client';

const watcher = K2vClient.fromEnv();
const writer = K2vClient.fromEnv(); // stands for another process

// Take a marker first: everything written after it will be reported.
const start = await watcher.pollRange('events', { prefix: 'order-' });
if (start === undefined) throw new Error('the first PollRange always answers');

const stop = new AbortController();
const feed = (async () => {
  let marker = start.seenMarker;
  /** @type {Map<string, string>} */
  const latest = new Map();
  for await (const batch of watcher.watchRange('events', { prefix: 'order-' }, { since: marker, signal: stop.signal })) {
    for (const item of batch.items) {
      const value = item.values.map((v) => (v === null ? '(deleted)' : text(v))).join(' | ');
      console.log(`change: ${item.sk} = ${value}`);
      latest.set(item.sk, value);
    }
    marker = batch.seenMarker; // store it to resume after a restart: watchRange(…, { since: marker })
    if (latest.get('order-1') === 'paid' && latest.has('order-2')) stop.abort();
  }
  return latest;
})();

await writer.insertItem('events', 'order-1', 'created');
await writer.insertItem('events', 'order-2', 'created');
await writer.insertItem('events', 'audit-1', 'not in the watched range');
const order1 = await writer.readItem('events', 'order-1');
await writer.insertItem('events', 'order-1', 'paid', order1?.token);

const latest = await feed;
console.log(`feed stopped: ${[...latest].map(([sk, v]) => `${sk}=${v}`).join(', ')}`);
