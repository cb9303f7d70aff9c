/**
 * The outputs of the range verbs (`read-range`, `poll-range`, `read-index`, `delete-range`),
 * byte for byte those of k2v-cli: `--human` (the default) and `--json` (pretty, no final newline,
 * except `delete-range --json`, which is one number and a newline). Items are printed in the
 * byte order of their keys whatever order the server answered in (see `byKeyBytes`).
 */
import { formatTable } from '../format-table.js';
import { asUtf8, byKeyBytes, toBase64, type CliValue, type KeyedValue, type PartitionCounts } from './causal-value.js';
import { prettyJson } from './pretty-json.js';
import { wireValue } from './read-output.js';

export type BatchFormat = 'human' | 'json';

const keyedJson = (v: KeyedValue) => ({ causality: v.causality, sort_key: v.sortKey, value: v.values.map(wireValue) });

function humanItems(items: readonly KeyedValue[]): string {
  let out = '';
  for (const item of byKeyBytes(items, (i) => i.sortKey)) {
    out += `sort_key: ${item.sortKey}\ncausality: ${item.causality}\n`;
    out += item.values.map(humanValue).join('');
  }
  return out;
}

function humanValue(v: CliValue): string {
  if (v === null) return '  tombstone\n';
  const text = asUtf8(v);
  return text === undefined ? `  value(base64): ${toBase64(v)}\n` : `  value(utf-8): ${text}\n`;
}

export function renderReadRange(items: readonly KeyedValue[], nextStart: string | null, format: BatchFormat): string {
  if (format === 'json') {
    return prettyJson({ next_key: nextStart, values: byKeyBytes(items, (i) => i.sortKey).map(keyedJson) });
  }
  return (nextStart === null ? '' : `next key: ${nextStart}\n`) + humanItems(items);
}

export function renderPollRange(items: readonly KeyedValue[], seenMarker: string, format: BatchFormat): string {
  if (format === 'json') {
    return prettyJson({ seen_marker: seenMarker, values: byKeyBytes(items, (i) => i.sortKey).map(keyedJson) });
  }
  return `seen marker: ${seenMarker}\n` + humanItems(items);
}

export function renderReadIndex(partitions: readonly PartitionCounts[], nextStart: string | null, format: BatchFormat): string {
  const sorted = byKeyBytes(partitions, (p) => p.partitionKey);
  if (format === 'json') {
    return prettyJson({
      next_key: nextStart,
      values: sorted.map((p) => ({
        bytes: p.bytes,
        conflicts: p.conflicts,
        entries: p.entries,
        partition_key: p.partitionKey,
        values: p.values,
      })),
    });
  }
  const rows = ['partition_key\tentries\tconflicts\tvalues\tbytes'];
  for (const p of sorted) rows.push(`${p.partitionKey}\t${p.entries}\t${p.conflicts}\t${p.values}\t${p.bytes}`);
  return (nextStart === null ? '' : `next key: ${nextStart}\n`) + formatTable(rows);
}

export const renderDeleteRange = (deleted: number, format: BatchFormat): string =>
  format === 'json' ? `${deleted}\n` : `deleted ${deleted} keys\n`;
