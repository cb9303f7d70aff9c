/**
 * The `corsRules` extension of UpdateBucket (contract section 11): the bucket's CORS rules,
 * replaced as a whole. Shaped as S3's CORSRule in camelCase: `allowedOrigins` and
 * `allowedMethods` required and non-empty, `allowedHeaders` and `exposeHeaders` default to [],
 * `id` and `maxAgeSeconds` optional. `[]` removes every rule.
 */
import type { CorsRule } from '../store/metadata.js';
import { badRequest } from './errors.js';
import { asObject, optString, optUint, stringList } from './json-input.js';

/** As S3, which accepts at most 100 rules per bucket. */
export const MAX_CORS_RULES = 100;

/** Parses the field's value; undefined when it is absent or null (rules unchanged). */
export function parseCorsRules(value: unknown): CorsRule[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw badRequest('Invalid JSON: field corsRules: expected an array');
  if (value.length > MAX_CORS_RULES) throw badRequest(`At most ${MAX_CORS_RULES} CORS rules per bucket`);
  return value.map((entry: unknown) => {
    const rule = asObject(entry, 'corsRules[]');
    const allowedOrigins = stringList(rule, 'allowedOrigins', true);
    const allowedMethods = stringList(rule, 'allowedMethods', true);
    if (allowedOrigins.length === 0 || allowedMethods.length === 0) {
      throw badRequest('A CORS rule needs at least one allowed origin and one allowed method');
    }
    return {
      id: optString(rule, 'id') ?? null,
      allowedOrigins,
      allowedMethods,
      allowedHeaders: stringList(rule, 'allowedHeaders', false),
      exposeHeaders: stringList(rule, 'exposeHeaders', false),
      maxAgeSeconds: optUint(rule, 'maxAgeSeconds'),
    };
  });
}
