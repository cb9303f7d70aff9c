/**
 * AWS Signature Version 4 for the K2V service, header form and presigned-URL form, written from
 * AWS's specification and the contract (section 4), independently of the server's verifier: a
 * bug shared by the two would otherwise go unseen.
 *
 * K2V's rules: the canonical URI is the path as sent (already percent-encoded), URI-encoded once
 * more with `/` kept; the canonical query is every `name=value`, encoded, sorted as whole strings;
 * headers are lower-case, trimmed, runs of spaces collapsed.
 */
import { hex, hmac, hmacKey, sha256Hex, utf8 } from './digest.js';
import { uriEncode } from './uri-encode.js';

export const ALGORITHM = 'AWS4-HMAC-SHA256';
export const SERVICE = 'k2v';
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';

export interface Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/** What a signature covers. `headers` are the ones to sign besides `host` (any case). */
export interface SigningInput {
  readonly method: string;
  /** `host[:port]` exactly as the Host header will carry it (`URL.host`). */
  readonly host: string;
  /** The path as it will be sent, percent-encoded. */
  readonly path: string;
  /** Query pairs, not encoded. */
  readonly query: readonly (readonly [string, string])[];
  readonly headers: Readonly<Record<string, string>>;
  /** Hex SHA-256 of the body, or `UNSIGNED-PAYLOAD`. */
  readonly payloadHash: string;
  readonly date: Date;
}

/** `20240102T030405Z`. */
export function amzDate(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

function canonicalHeaderValue(v: string): string {
  return v.trim().replace(/ {2,}/g, ' ');
}

/** The canonical query: pairs encoded, sorted as whole `name=value` strings. */
export function canonicalQuery(pairs: readonly (readonly [string, string])[]): string {
  const items = pairs.map(([k, v]) => uriEncode(k) + '=' + uriEncode(v));
  // Plain code-unit order is byte order here: every item is ASCII once encoded.
  return items.sort().join('&');
}

/** The canonical request and the `SignedHeaders` list it used. */
export function canonicalRequest(input: SigningInput): { request: string; signedHeaders: string } {
  const headers = new Map<string, string>([['host', canonicalHeaderValue(input.host)]]);
  for (const [k, v] of Object.entries(input.headers)) headers.set(k.toLowerCase(), canonicalHeaderValue(v));
  const names = [...headers.keys()].sort();
  const signedHeaders = names.join(';');
  const request = [
    input.method,
    uriEncode(input.path === '' ? '/' : input.path, true),
    canonicalQuery(input.query),
    names.map((n) => `${n}:${headers.get(n)!}\n`).join(''),
    signedHeaders,
    input.payloadHash,
  ].join('\n');
  return { request, signedHeaders };
}

/** Signs requests for one key and region; derives the signing key once per day. */
export class Signer {
  private cached: { day: string; key: Promise<CryptoKey> } | undefined;

  constructor(
    private readonly credentials: Credentials,
    readonly region: string,
  ) {}

  /** `YYYYMMDD/<region>/k2v/aws4_request`. */
  scope(date: Date): string {
    return `${amzDate(date).slice(0, 8)}/${this.region}/${SERVICE}/aws4_request`;
  }

  /**
   * The headers to add to the request: `x-amz-date`, `x-amz-content-sha256` and
   * `authorization` (lower-case names).
   */
  async sign(input: SigningInput): Promise<Record<string, string>> {
    const stamp = amzDate(input.date);
    const extra = { 'x-amz-date': stamp, 'x-amz-content-sha256': input.payloadHash };
    const full = { ...input, headers: { ...input.headers, ...extra } };
    const { request, signedHeaders } = canonicalRequest(full);
    const signature = await this.signature(input.date, request);
    const authorization =
      `${ALGORITHM} Credential=${this.credentials.accessKeyId}/${this.scope(input.date)}, ` +
      `SignedHeaders=${signedHeaders}, Signature=${signature}`;
    return { ...extra, authorization };
  }

  /**
   * The query pairs of a presigned URL (to append after the request's own), signature last.
   * Only `host` is signed and the payload is `UNSIGNED-PAYLOAD`, so any plain GET of the URL
   * (a browser, curl, `fetch`) is valid for `expiresIn` seconds from `input.date`.
   */
  async presign(input: Omit<SigningInput, 'payloadHash' | 'headers'>, expiresIn: number): Promise<[string, string][]> {
    const auth: [string, string][] = [
      ['X-Amz-Algorithm', ALGORITHM],
      ['X-Amz-Credential', `${this.credentials.accessKeyId}/${this.scope(input.date)}`],
      ['X-Amz-Date', amzDate(input.date)],
      ['X-Amz-Expires', String(expiresIn)],
      ['X-Amz-SignedHeaders', 'host'],
    ];
    const { request } = canonicalRequest({
      ...input,
      query: [...input.query, ...auth],
      headers: {},
      payloadHash: UNSIGNED_PAYLOAD,
    });
    return [...auth, ['X-Amz-Signature', await this.signature(input.date, request)]];
  }

  private async signature(date: Date, canonical: string): Promise<string> {
    const stringToSign = [ALGORITHM, amzDate(date), this.scope(date), await sha256Hex(canonical)].join('\n');
    return hex(await hmac(await this.signingKey(date), stringToSign));
  }

  private signingKey(date: Date): Promise<CryptoKey> {
    const day = amzDate(date).slice(0, 8);
    if (this.cached?.day !== day) {
      const key = derive(this.credentials.secretAccessKey, day, this.region);
      // A failed derivation must not stay cached.
      key.catch(() => {
        if (this.cached?.key === key) this.cached = undefined;
      });
      this.cached = { day, key };
    }
    return this.cached.key;
  }
}

async function derive(secret: string, day: string, region: string): Promise<CryptoKey> {
  let key = await hmacKey(utf8('AWS4' + secret));
  for (const part of [day, region, SERVICE, 'aws4_request']) key = await hmacKey(await hmac(key, part));
  return key;
}
