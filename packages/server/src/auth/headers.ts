/**
 * Request headers as node:http hands them over: lower-case names; a value is a string, or an
 * array for a repeated header when the caller passes `req.headersDistinct`.
 */

export type HeaderValue = string | readonly string[] | undefined;
export type RequestHeaders = Readonly<Record<string, HeaderValue>>;

/** The first value of a header (contract section 4: a repeated header counts by its first value). */
export function firstValue(value: HeaderValue): string | undefined {
  if (value === undefined || typeof value === 'string') return value;
  return value[0];
}
