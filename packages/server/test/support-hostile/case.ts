/**
 * A hostile case: a raw request derived from a valid one, and what the server may answer.
 * Mutations are designed so that the result is always invalid: no case allows a 2xx.
 */
import type { Expect } from './contract.js';
import type { Base, Ctx, EndpointName } from './fixture.js';
import type { Rng } from './prng.js';
import type { RawRequest } from './raw-http.js';

export interface Case {
  /** The mutation's name (reported with its count). */
  readonly category: string;
  readonly endpoint: EndpointName;
  readonly req: RawRequest;
  readonly expect: Expect;
  /** The path error bodies must echo; undefined when node's parser answers (it may not know it). */
  readonly path: string | undefined;
}

export interface Mutation {
  readonly name: string;
  /** Relative frequency. */
  readonly weight: number;
  readonly applies: (endpoint: EndpointName) => boolean;
  /** The mutated request and its expectation (the category is added by the generator). */
  readonly make: (rng: Rng, ctx: Ctx, base: Base) => Omit<Case, 'category' | 'endpoint'>;
}

export const all = (): boolean => true;
export const only =
  (...eps: EndpointName[]) =>
  (ep: EndpointName): boolean =>
    eps.includes(ep);

export const expectError = (status: number, ...codes: string[]): Expect => ({ statuses: [status], codes });
export const DENIED = expectError(403, 'AccessDenied');
export const BAD = expectError(400, 'InvalidRequest');
