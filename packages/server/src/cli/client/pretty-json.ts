/**
 * serde_json's `to_writer_pretty`, for the shapes k2v-cli prints: two-space indent, `"key": value`,
 * `[]` for an empty list, no newline at the end. `JSON.stringify` with an indent of 2 writes the
 * same bytes for strings, integers, null, lists and objects; callers build objects with their
 * keys in sorted order, as serde_json's map (a BTreeMap) would hold them.
 */
export const prettyJson = (value: unknown): string => JSON.stringify(value, null, 2);
