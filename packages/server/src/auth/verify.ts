/**
 * SigV4 request verification (contract section 4), pure but for the injected clock and key
 * lookup. Two phases so the HTTP layer can refuse a request before reading its body:
 * `beginVerification` checks everything that needs no body (syntax, clock, scope, key) and says
 * whether the signature may cover the body's hash; `complete` checks the signature.
 * Hot path (header-signed, `x-amz-content-sha256` sent, signing key cached): one SHA-256 of the
 * canonical request and one HMAC.
 */
import { K2vError, badRequest } from '../k2v/errors.js';
import {
  canonicalHeaders,
  canonicalQuery,
  alternativeCanonicalQueries,
  canonicalRequestPrefix,
  canonicalUri,
} from './canonical-request.js';
import { UNSIGNED_PAYLOAD, parseContentSha256, type ContentSha256Header } from './content-sha256.js';
import { firstValue, type RequestHeaders } from './headers.js';
import { PRESIGNED, isPresigned, parseSignatureClaim, type SignatureClaim } from './parse-authorization.js';
import { parseQuery } from './query-string.js';
import { computeSignature, signatureMatches } from './signature.js';
import { SigningKeyCache } from './signing-key.js';
import { K2V_SERVICE, credentialScope, stringToSign } from './string-to-sign.js';

export interface SignedRequestInput {
  readonly method: string;
  /** The path as sent, without the query, still percent-encoded. */
  readonly rawPath: string;
  /** The text after `?`, or ''. */
  readonly rawQuery: string;
  /** Lower-case names, values as node:http gives them (latin1-decoded bytes). */
  readonly headers: RequestHeaders;
  /** Hex SHA-256 of the whole body, when it has been read (see `needsBodyHash`). */
  readonly bodySha256Hex?: string | undefined;
}

/** Lower-case hex SHA-256. */
export type Sha256Hex = string;

export interface VerifiedRequest {
  readonly accessKeyId: string;
  /**
   * What the body must still be checked against while it is read: a hex SHA-256 (mismatch ->
   * 400 `InvalidDigest`, see `checkBodyDigest`); `UNSIGNED-PAYLOAD` or undefined: nothing (undefined
   * means the signature itself covered the body's hash).
   */
  readonly contentSha256: typeof UNSIGNED_PAYLOAD | Sha256Hex | undefined;
}

export interface VerifyDeps {
  /** The configured region; the credential scope must name it. */
  readonly region: string;
  /** Milliseconds since the epoch. */
  readonly now: () => number;
  /** The secret of an access key that exists and is not deleted. */
  lookupSecret(accessKeyId: string): string | undefined;
  /** Defaults to one cache shared by the process. */
  readonly signingKeys?: SigningKeyCache;
}

export interface PendingVerification {
  readonly accessKeyId: string;
  /** True when `complete` may need the body's hash (the header form without x-amz-content-sha256, or a presigned URL). */
  readonly needsBodyHash: boolean;
  /** Throws `AccessDenied` on a wrong signature, `InvalidDigest` when a given body hash contradicts the header. */
  complete(bodySha256Hex?: string): VerifiedRequest;
}

/** Contract section 4 (Deviation: Garage accepts 24 h into the past and any future date). */
export const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

const sharedSigningKeys = new SigningKeyCache();

export function verifyRequest(req: SignedRequestInput, deps: VerifyDeps): VerifiedRequest {
  return beginVerification(req, deps).complete(req.bodySha256Hex);
}

/** Cheap pre-check for the HTTP layer: must the body be read before `verifyRequest`? */
export function needsBodyHash(req: Pick<SignedRequestInput, 'rawQuery' | 'headers'>): boolean {
  if (firstValue(req.headers['x-amz-content-sha256']) !== undefined) return false;
  return firstValue(req.headers['authorization']) !== undefined || isPresigned(parseQuery(req.rawQuery));
}

export function beginVerification(req: SignedRequestInput, deps: VerifyDeps): PendingVerification {
  const query = parseQuery(req.rawQuery);
  const claim = parseSignatureClaim(req.headers, query);
  const payload = parseContentSha256(firstValue(req.headers['x-amz-content-sha256']));
  checkSignedHeaderSet(req.headers, claim.signedHeaders);
  const omit = claim.form === 'presigned' ? PRESIGNED.signature : undefined;
  const parts = {
    method: req.method,
    canonicalUri: canonicalUri(req.rawPath),
    canonicalQuery: canonicalQuery(query, omit),
    canonicalHeaders: canonicalHeaders(req.headers, claim.signedHeaders),
    signedHeaders: claim.signedHeaders,
  };
  const prefix = canonicalRequestPrefix(parts);
  checkClock(claim, deps.now());

  const date8 = claim.amzDate.slice(0, 8);
  const scope = credentialScope(date8, deps.region, K2V_SERVICE);
  if (claim.scope !== scope) {
    throw new K2vError('AuthorizationHeaderMalformed', `Invalid credential scope ${claim.scope}, expected ${scope}`);
  }
  const secret = deps.lookupSecret(claim.accessKeyId);
  if (secret === undefined) throw new K2vError('AccessDenied', `No such key: ${claim.accessKeyId}`);
  const signingKey = (deps.signingKeys ?? sharedSigningKeys).get(secret, date8, deps.region, K2V_SERVICE);

  return {
    accessKeyId: claim.accessKeyId,
    needsBodyHash: payload.kind === 'absent',
    complete(bodySha256Hex?: string): VerifiedRequest {
      const bodyHex = bodySha256Hex?.toLowerCase();
      const tryPrefix = (pre: string): VerifiedRequest | undefined => {
        for (const candidate of payloadCandidates(claim, payload, bodyHex)) {
          const sts = stringToSign(claim.amzDate, scope, pre + candidate.line);
          if (!signatureMatches(computeSignature(signingKey, sts), claim.signature)) continue;
          const verified = { accessKeyId: claim.accessKeyId, contentSha256: candidate.contentSha256 };
          if (bodyHex !== undefined) checkBodyDigest(verified, bodyHex);
          return verified;
        }
        return undefined;
      };
      let verified = tryPrefix(prefix);
      if (verified === undefined) {
        for (const q of alternativeCanonicalQueries(req.rawQuery, parts.canonicalQuery, omit)) {
          verified = tryPrefix(canonicalRequestPrefix({ ...parts, canonicalQuery: q }));
          if (verified !== undefined) break;
        }
      }
      if (verified === undefined) throw new K2vError('AccessDenied', 'Invalid signature');
      return verified;
    },
  };
}

/** Throws `InvalidDigest` when the body does not hash to the signed `x-amz-content-sha256`. */
export function checkBodyDigest(verified: VerifiedRequest, bodySha256Hex: string): void {
  const expected = verified.contentSha256;
  if (expected === undefined || expected === UNSIGNED_PAYLOAD) return;
  if (expected !== bodySha256Hex.toLowerCase()) {
    throw new K2vError('InvalidDigest', 'The body does not match x-amz-content-sha256');
  }
}

interface PayloadCandidate {
  /** The canonical request's last line. */
  readonly line: string;
  readonly contentSha256: VerifiedRequest['contentSha256'];
}

/**
 * The payload hash lines a valid signature may use, in the order they are tried. A presigned
 * URL signs `UNSIGNED-PAYLOAD`, or (Deviation) the body's hash as botocore, aws4 and aws4fetch
 * presign for services other than S3; a header-signed request without x-amz-content-sha256 signs
 * the body's hash (Deviation: Garage answers 400).
 */
function payloadCandidates(
  claim: SignatureClaim,
  payload: ContentSha256Header,
  bodyHex: string | undefined,
): PayloadCandidate[] {
  const unsigned: PayloadCandidate = { line: UNSIGNED_PAYLOAD, contentSha256: UNSIGNED_PAYLOAD };
  switch (payload.kind) {
    case 'unsigned':
      return [unsigned];
    case 'sha256': {
      const fromHeader = { line: payload.text, contentSha256: payload.hex };
      return claim.form === 'presigned' ? [unsigned, fromHeader] : [fromHeader];
    }
    case 'absent': {
      if (bodyHex === undefined) {
        if (claim.form === 'presigned') return [unsigned];
        throw new K2vError('InternalError', 'The body hash is needed to verify this signature');
      }
      const fromBody = { line: bodyHex, contentSha256: undefined };
      return claim.form === 'presigned' ? [unsigned, fromBody] : [fromBody];
    }
  }
}

function checkSignedHeaderSet(headers: RequestHeaders, signedHeaders: readonly string[]): void {
  if (!signedHeaders.includes('host')) throw badRequest('Header host must be signed');
  for (const name in headers) {
    if (name.startsWith('x-amz-') && headers[name] !== undefined && !signedHeaders.includes(name)) {
      throw badRequest(`Header ${name} must be signed`);
    }
  }
}

function checkClock(claim: SignatureClaim, now: number): void {
  if (claim.dateMs - now > MAX_CLOCK_SKEW_MS) throw badRequest('request time too skewed');
  if (claim.expiresSeconds === undefined) {
    if (now - claim.dateMs > MAX_CLOCK_SKEW_MS) throw badRequest('request time too skewed');
  } else if (claim.dateMs + claim.expiresSeconds * 1000 < now) {
    throw new K2vError('AccessDenied', 'Presigned URL expired');
  }
}
