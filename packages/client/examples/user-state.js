// @ts-check
/**
 * Per-user application state: one partition per user, one item per document. A whole user is
 * one ReadBatch; two devices changing settings at the same time produce concurrent values, which
 * the next write merges field by field instead of dropping one device's change.
 *
 *   K2V_ENDPOINT=… AWS_ACCESS_KEY_ID=… AWS_SECRET_ACCESS_KEY=… K2V_BUCKET=… node examples/user-state.js
 */
import { K2vClient, json, text } from 'k2v-client';

const k2v = K2vClient.fromEnv();

await k2v.insertBatch([
  { pk: 'user-123', sk: 'profile.json', value: JSON.stringify({ name: 'Alice' }) },
  { pk: 'user-123', sk: 'settings.json', value: JSON.stringify({ theme: 'dark' }) },
  { pk: 'user-123', sk: 'last-login', value: '2024-03-04T10:00:00Z' },
  { pk: 'user-456', sk: 'profile.json', value: JSON.stringify({ name: 'Bob' }) },
  { pk: 'user-456', sk: 'settings.json', value: JSON.stringify({ theme: 'light' }) },
]);

// A phone and a laptop both read Alice's settings, then each changes one field.
const seen = await k2v.readItem('user-123', 'settings.json');
if (seen === undefined) throw new Error('settings.json is missing');
/** @type {Record<string, unknown>} */
const base = json(/** @type {Uint8Array} */ (seen.values[0]));
await Promise.all([
  k2v.insertItem('user-123', 'settings.json', JSON.stringify({ ...base, language: 'fr' }), seen.token),
  k2v.insertItem('user-123', 'settings.json', JSON.stringify({ ...base, notifications: false }), seen.token),
]);
const conflict = await k2v.readItem('user-123', 'settings.json');
console.log(`settings.json has ${conflict?.values.length} concurrent versions`);

// The next write merges them (fields of every version, sorted by name) and supersedes both.
await k2v.update('user-123', 'settings.json', (values) => {
  const merged = Object.assign({}, ...values.map((v) => json(v)));
  return JSON.stringify(Object.fromEntries(Object.entries(merged).sort(([a], [b]) => a.localeCompare(b))));
});

// Everything about both users in one request.
const users = await k2v.readBatch([{ partitionKey: 'user-123' }, { partitionKey: 'user-456' }]);
for (const user of users) {
  for (const item of user.items) console.log(`${user.partitionKey} ${item.sk} ${item.values.map((v) => (v === null ? '(deleted)' : text(v))).join(' | ')}`);
}
