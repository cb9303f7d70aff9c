/**
 * Scans by page in SQL (store.ts ScanQuery): the range's bounds, the item filter and the limit
 * go into the WHERE and LIMIT of each page's query, and the next page continues after the last
 * key of the previous one (keyset paging), all inside the snapshot's REPEATABLE READ
 * transaction, so the pages are consistent and no cursor is left open by a consumer that stops.
 */
import type { Buffer } from 'node:buffer';
import type { PendingQuery, Row } from 'postgres';
import type { ScanQuery } from '../store.js';
import type { Db } from './pg-connection.js';
import { afterPrefix, utf8 } from './pg-keys.js';

/** Rows per page: one round trip per page, so pages are larger than LMDB's. */
export const PG_PAGE_ROWS = 1000;

type Fragment = PendingQuery<Row[]>;

/** `AND …` conditions on the bytea key column `col` for the range of `q` (prefix, start, end). */
export function rangeConditions(sql: Db, col: 'sk' | 'pk', q: Pick<ScanQuery, 'prefix' | 'start' | 'end' | 'reverse'>): Fragment {
  const k = sql(col);
  const parts: Fragment[] = [];
  if (q.prefix !== undefined && q.prefix !== '') {
    const p = utf8(q.prefix);
    parts.push(sql`AND ${k} >= ${p}`);
    const after = afterPrefix(p);
    if (after !== undefined) parts.push(sql`AND ${k} < ${after}`);
  }
  if (q.start !== undefined) parts.push(q.reverse ? sql`AND ${k} <= ${utf8(q.start)}` : sql`AND ${k} >= ${utf8(q.start)}`);
  if (q.end !== undefined) parts.push(q.reverse ? sql`AND ${k} > ${utf8(q.end)}` : sql`AND ${k} < ${utf8(q.end)}`);
  return parts.reduce((acc, f) => sql`${acc} ${f}`, sql``);
}

/** `AND key > after` (forward) or `< after` (reverse): where the next page begins. */
export function afterKey(sql: Db, col: 'sk' | 'pk', after: Buffer | undefined, reverse: boolean): Fragment {
  if (after === undefined) return sql``;
  return reverse ? sql`AND ${sql(col)} < ${after}` : sql`AND ${sql(col)} > ${after}`;
}

/**
 * Pages of a scan: `fetch(after, n)` returns up to n rows after the key `after` and the key of
 * its last row; stops after `limit` rows, on a short page, or when `isOpen()` turns false.
 */
export async function* pages<T>(
  limit: number | undefined,
  fetch: (after: Buffer | undefined, n: number) => Promise<{ page: T[]; lastKey: Buffer | undefined }>,
  isOpen: () => boolean,
): AsyncGenerator<readonly T[], void, undefined> {
  let after: Buffer | undefined;
  let left = limit ?? Infinity;
  while (left > 0 && isOpen()) {
    const n = Math.min(PG_PAGE_ROWS, left);
    const { page, lastKey } = await fetch(after, n);
    if (page.length > 0 && isOpen()) yield page;
    if (page.length < n) return;
    left -= page.length;
    after = lastKey;
  }
}
