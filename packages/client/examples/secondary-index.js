// @ts-check
/**
 * Secondary indices of S3 objects: `index-by-date` maps a day to the objects of that day,
 * `index-by-tag` a tag to its objects. Each index entry is written by read-modify-write with its
 * causality token, so writers adding objects at the same time never overwrite each other: their
 * writes become concurrent values of the entry, which every later update merges (set union).
 *
 *   K2V_ENDPOINT=… AWS_ACCESS_KEY_ID=… AWS_SECRET_ACCESS_KEY=… K2V_BUCKET=… node examples/secondary-index.js
 */
import { K2vClient, json } from 'k2v-client';

const k2v = K2vClient.fromEnv();

/** Every id in any concurrent version of an entry (a grow-only set: removals would need an OR-set). */
const ids = (/** @type {Uint8Array[]} */ values) => new Set(values.flatMap((v) => /** @type {string[]} */ (json(v))));

/** Adds `id` to one index entry; concurrent values of the entry are merged on the way. */
async function addTo(/** @type {string} */ index, /** @type {string} */ key, /** @type {string} */ id) {
  await k2v.update(index, key, (values) => {
    const set = ids(values);
    set.add(id);
    return JSON.stringify([...set].sort());
  });
}

/** Indexes one object under its date and each of its tags. */
async function indexObject(/** @type {{ id: string, date: string, tags: string[] }} */ obj) {
  await Promise.all([addTo('index-by-date', obj.date, obj.id), ...obj.tags.map((t) => addTo('index-by-tag', t, obj.id))]);
}

const objects = [
  { id: 'obj1', date: '2024-01-15', tags: ['important'] },
  { id: 'obj2', date: '2024-01-15', tags: ['archived'] },
  { id: 'obj3', date: '2024-01-15', tags: ['archived'] },
  { id: 'obj4', date: '2024-01-16', tags: ['important'] },
  { id: 'obj5', date: '2024-01-16', tags: ['archived'] },
];
// All at once, as independent uploaders would: updates of the same entry race, and the tokens
// turn each race into siblings instead of a lost id.
await Promise.all(objects.map(indexObject));

/** An entry as its readers see it: the union of its concurrent values. */
async function lookup(/** @type {string} */ index, /** @type {string} */ key) {
  const item = await k2v.readItem(index, key);
  const live = item === undefined ? [] : item.values.filter((v) => v !== null);
  return [...ids(live)].sort();
}

for (const index of ['index-by-date', 'index-by-tag']) {
  for await (const entry of k2v.items(index)) {
    console.log(`${index} ${entry.sk} -> ${JSON.stringify(await lookup(index, entry.sk))}`);
  }
}
