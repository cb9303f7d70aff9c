/**
 * Draws hostile cases: a mutation (by weight), an endpoint it applies to, a valid base request
 * of that endpoint, and the mutated request with its expectation.
 */
import type { Case, Mutation } from './case.js';
import { baseRequest, ENDPOINTS, type Ctx } from './fixture.js';
import { AUTH_MUTATIONS } from './mutate-auth.js';
import { BODY_MUTATIONS } from './mutate-body.js';
import { HTTP_MUTATIONS } from './mutate-http.js';
import { ROUTE_MUTATIONS } from './mutate-route.js';
import type { Rng } from './prng.js';

export const MUTATIONS: readonly Mutation[] = [...AUTH_MUTATIONS, ...HTTP_MUTATIONS, ...ROUTE_MUTATIONS, ...BODY_MUTATIONS];

const TOTAL_WEIGHT = MUTATIONS.reduce((sum, m) => sum + m.weight, 0);

function pickMutation(rng: Rng): Mutation {
  let x = (rng.next() / 0x1_0000_0000) * TOTAL_WEIGHT;
  for (const m of MUTATIONS) {
    x -= m.weight;
    if (x < 0) return m;
  }
  return MUTATIONS[MUTATIONS.length - 1]!;
}

export function drawCase(rng: Rng, ctx: Ctx): Case {
  const mutation = pickMutation(rng);
  const endpoint = rng.pick(ENDPOINTS.filter((e) => mutation.applies(e)));
  const base = baseRequest(rng, ctx, endpoint);
  try {
    return { category: mutation.name, endpoint, ...mutation.make(rng, ctx, base) };
  } catch (err) {
    throw new Error(`generator '${mutation.name}' failed on ${endpoint}: ${err instanceof Error ? err.stack : String(err)}`);
  }
}
