/**
 * Array parameters of our statements (`unnest(...)`, `= ANY(...)`), as PostgreSQL array
 * literals in text.
 *
 * Every connection runs with postgres.js's `fetch_types: false` (pg-connection.ts says why), so
 * the driver knows no array type: given a JS array it would declare the element's type (bytea
 * for Buffers) and serialize the array as one element, and `sql.array()` does the same. A text
 * literal needs nothing from the driver: it is sent as written, with no declared type, and each
 * statement casts it (`${x}::bytea[]`), which is the type PostgreSQL gives the parameter and
 * the input function it reads it with. Every element is written quoted or NULL, so no text
 * (not even "NULL", or one with braces, commas, quotes or backslashes) is read as anything else.
 */

/** bytea[]: each element in hex (`\x…`), its backslash escaped for the array syntax. */
export function byteaArray(xs: readonly Uint8Array[]): string {
  let s = '{';
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i]!;
    if (i > 0) s += ',';
    s += '"\\\\x' + Buffer.from(x.buffer, x.byteOffset, x.byteLength).toString('hex') + '"';
  }
  return s + '}';
}

/** text[]: each element quoted, its backslashes and double quotes escaped. */
export function textArray(xs: readonly string[]): string {
  return '{' + xs.map((x) => '"' + x.replace(/[\\"]/g, '\\$&') + '"').join(',') + '}';
}

/** int8[], null elements as NULL. */
export function int8Array(xs: readonly (bigint | null)[]): string {
  return '{' + xs.map((x) => (x === null ? 'NULL' : x.toString())).join(',') + '}';
}

/** bool[]. */
export function boolArray(xs: readonly boolean[]): string {
  return '{' + xs.map((x) => (x ? 't' : 'f')).join(',') + '}';
}
