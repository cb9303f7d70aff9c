// @ts-check
/**
 * Metadata of S3 objects, kept beside them in K2V: one partition per S3 prefix, one item per
 * object, its value a small JSON document. Querying tags then reads a few hundred bytes per
 * photo instead of downloading megabytes from S3.
 *
 *   K2V_ENDPOINT=… AWS_ACCESS_KEY_ID=… AWS_SECRET_ACCESS_KEY=… K2V_BUCKET=… node examples/s3-metadata.js
 */
import { K2vClient, json } from 'k2v-client';

const k2v = K2vClient.fromEnv();
const folder = 'user-photos/2024'; // the S3 prefix of the photos

// One InsertBatch for the whole folder.
await k2v.insertBatch([
  { pk: folder, sk: 'photo1.jpg', value: JSON.stringify({ tags: ['vacation'], faces: 2 }) },
  { pk: folder, sk: 'photo2.jpg', value: JSON.stringify({ tags: ['family'], faces: 3 }) },
  { pk: folder, sk: 'photo3.jpg', value: JSON.stringify({ tags: ['family', 'vacation'], faces: 5 }) },
]);

/** @typedef {{ tags: string[], faces: number }} PhotoMeta */

// Tag a photo: read-modify-write, so that a concurrent edit of the same photo is not lost but
// merged (union of tags, largest face count) the next time anyone updates it.
await k2v.update(folder, 'photo1.jpg', (values) => {
  /** @type {PhotoMeta[]} */
  const versions = values.map((v) => json(v));
  const tags = new Set(versions.flatMap((m) => m.tags));
  tags.add('beach');
  return JSON.stringify({ tags: [...tags].sort(), faces: Math.max(0, ...versions.map((m) => m.faces)) });
});

// Which photos of the folder show family? One walk of the partition, no S3 request.
const family = [];
for await (const photo of k2v.items(folder)) {
  /** @type {PhotoMeta} */
  const meta = json(/** @type {Uint8Array} */ (photo.values[0]));
  if (meta.tags.includes('family')) family.push(photo.sk);
}
console.log(`family photos: ${family.join(', ')}`);

const photo1 = await k2v.readItem(folder, 'photo1.jpg');
console.log(`photo1.jpg: ${photo1 ? new TextDecoder().decode(photo1.values[0] ?? undefined) : 'missing'}`);
