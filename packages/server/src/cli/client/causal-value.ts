/**
 * What the output formats print: an item's causality token and its concurrent values (`null` is
 * a tombstone), and the sorted maps of them that range reads give. Kept apart from the client
 * library's own types so that the formats stay pure functions of plain data.
 */
export type CliValue = Uint8Array | null;

export interface CausalValue {
  readonly causality: string;
  readonly values: readonly CliValue[];
}

export interface KeyedValue extends CausalValue {
  readonly sortKey: string;
}

export interface PartitionCounts {
  readonly partitionKey: string;
  readonly entries: number;
  readonly conflicts: number;
  readonly values: number;
  readonly bytes: number;
}

/**
 * k2v-cli collects range results into a map ordered by the bytes of the key (Rust's
 * `BTreeMap<String, _>`), whatever the order of the answer, so `--reverse` prints in ascending
 * order too; sorting by UTF-8 bytes (not UTF-16 units) keeps keys beyond U+FFFF in its order.
 */
export function byKeyBytes<T>(items: readonly T[], key: (item: T) => string): T[] {
  return items
    .map((item) => ({ item, bytes: Buffer.from(key(item), 'utf8') }))
    .sort((a, b) => Buffer.compare(a.bytes, b.bytes))
    .map(({ item }) => item);
}

export const toBase64 = (v: Uint8Array): string => Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The text of a value if it is valid UTF-8 (a BOM kept, as Rust's `str::from_utf8` keeps it). */
export function asUtf8(v: Uint8Array): string | undefined {
  try {
    return strictUtf8.decode(v);
  } catch {
    return undefined;
  }
}
