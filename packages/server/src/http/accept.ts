/**
 * ReadItem's `Accept` negotiation (contract section 6), decided before the item is read.
 * As Garage, the header is split on `,` and trimmed; **Deviation**: media-type parameters are
 * ignored except `q=0`, which excludes a type, `application/*` means both, and media types
 * compare case-insensitively (RFC 9110 section 8.3.1).
 */
import { K2vError } from '../k2v/errors.js';

/** `either`: binary when the item has exactly one value, else JSON (the handler decides). */
export type ReadFormat = 'json' | 'binary' | 'either';

const JSON_TYPE = 'application/json';
const BINARY_TYPE = 'application/octet-stream';

/**
 * Specificity of the most specific range matching each type (3 exact, 2 `application/*`,
 * 1 `*\/*`, 0 none) and whether that range allows it. RFC 9110 section 12.5.1: the most specific
 * range decides, so `*\/*, application/json;q=0` allows binary only.
 */
interface Match {
  specificity: number;
  allowed: boolean;
}

export function negotiate(accept: string | undefined): ReadFormat {
  if (accept === undefined) return 'json';
  for (let i = 0; i < accept.length; i++) {
    const c = accept.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || c >= 0x7f) {
      throw new K2vError('InvalidHeaderValue', 'invalid value for header accept');
    }
  }
  const json: Match = { specificity: 0, allowed: false };
  const binary: Match = { specificity: 0, allowed: false };
  for (const part of accept.split(',')) {
    const semi = part.indexOf(';');
    const type = (semi < 0 ? part : part.slice(0, semi)).trim().toLowerCase();
    const allowed = semi < 0 || !hasZeroQ(part.slice(semi + 1));
    if (type === JSON_TYPE) consider(json, 3, allowed);
    else if (type === BINARY_TYPE) consider(binary, 3, allowed);
    else if (type === 'application/*' || type === '*/*') {
      const specificity = type === '*/*' ? 1 : 2;
      consider(json, specificity, allowed);
      consider(binary, specificity, allowed);
    }
  }
  if (json.allowed && binary.allowed) return 'either';
  if (json.allowed) return 'json';
  if (binary.allowed) return 'binary';
  throw new K2vError(
    'NotAcceptable',
    'Invalid Accept header value, must allow application/json or application/octet-stream (or both)',
  );
}

/** Several ranges of equal specificity: the type is allowed if any of them allows it. */
function consider(m: Match, specificity: number, allowed: boolean): void {
  if (specificity > m.specificity) {
    m.specificity = specificity;
    m.allowed = allowed;
  } else if (specificity === m.specificity) {
    m.allowed ||= allowed;
  }
}

const ZERO_Q = /^0(\.0{0,3})?$/;

/** True when the parameters (after the first `;`) hold a weight of zero, `q=0` to `q=0.000`. */
function hasZeroQ(params: string): boolean {
  for (const param of params.split(';')) {
    const eq = param.indexOf('=');
    if (eq < 0) continue;
    const name = param.slice(0, eq).trim();
    if (name !== 'q' && name !== 'Q') continue;
    return ZERO_Q.test(param.slice(eq + 1).trim());
  }
  return false;
}
