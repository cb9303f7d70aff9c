/**
 * `X-Amz-Date`, the SigV4 timestamp: exactly `YYYYMMDDTHHMMSSZ`, UTC (contract section 4).
 */

const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

// Under load, many requests in a row carry the same second: remember the last answer.
let lastText: string | undefined;
let lastMs: number | undefined;

/** Milliseconds since the epoch, or undefined when the text is not a valid timestamp. */
export function parseAmzDate(text: string): number | undefined {
  if (text !== lastText) {
    lastMs = parse(text);
    lastText = text;
  }
  return lastMs;
}

function parse(text: string): number | undefined {
  const m = AMZ_DATE.exec(text);
  if (m === null) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number) as [
    number, number, number, number, number, number,
  ];
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  // Date.UTC rolls over out-of-range fields (month 13, 31 February): reject them instead.
  const d = new Date(ms);
  if (
    d.getUTCFullYear() !== year ||
    d.getUTCMonth() !== month - 1 ||
    d.getUTCDate() !== day ||
    d.getUTCHours() !== hour ||
    d.getUTCMinutes() !== minute ||
    d.getUTCSeconds() !== second
  ) {
    return undefined;
  }
  return ms;
}
