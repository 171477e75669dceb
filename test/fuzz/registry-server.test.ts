/**
 * Fuzz property of the registry handler (registry-server, createRegistry over
 * memory storage, with and without signing): a short sequence of arbitrary
 * requests — publishes of arbitrary or damaged packages, yanks, reads of any
 * route with arbitrary names, versions and query parameters, also of what was
 * just published — is answered without a 5xx and within the time limit of a
 * case, and afterwards the registry still lists its plugins and is healthy.
 *
 * Runs a bounded number of cases; set PLUGHUB_FUZZ_RUNS=10000 for more, and
 * PLUGHUB_FUZZ_SEED / PLUGHUB_FUZZ_PATH to replay a failure fast-check printed.
 */
import * as fc from 'fast-check';
import { describe, it } from 'vitest';
import { createMemorySigningStore, createMemoryStorage, createMemoryTokenStore, createRegistry, type RegistryLogEntry } from '../../registry-server/index.js';
import { ORIGIN, requestArb, toRequest } from './request-arbitraries.js';
import { FuzzFailure, acceptOrRefuse, describeError, fuzzParameters, fuzzTimeout } from './support.js';

/** A memory registry for one case, with an admin token and the errors it logs. */
async function caseRegistry(signing: boolean) {
  const storage = createMemoryStorage();
  const tokens = createMemoryTokenStore();
  const { token } = await tokens.create({ admin: true, publish: [] });
  const errors: RegistryLogEntry[] = [];
  const registry = createRegistry({
    storage,
    tokens,
    log: (entry) => {
      if (entry.level === 'error') errors.push(entry);
    },
    ...(signing ? { signing: { store: createMemorySigningStore() } } : {}),
  });
  return { registry, token, errors };
}

/** Sends one request and reads the whole answer; fails on a 5xx, naming what the registry logged. */
async function answer(registry: { fetch(request: Request): Promise<Response> }, request: Request, errors: RegistryLogEntry[]): Promise<Response> {
  const what = `${request.method} ${request.url}`;
  const outcome = await acceptOrRefuse(async () => {
    const response = await registry.fetch(request);
    await response.arrayBuffer();
    return response;
  });
  if (!outcome.accepted) throw new FuzzFailure(`${what}: fetch rejected with ${describeError(outcome.error)}`);
  if (outcome.value.status >= 500) {
    const logged = errors.map((entry) => `${entry.message}${entry.error ? ` (${describeError(entry.error)})` : ''}`).join('; ');
    throw new FuzzFailure(`${what}: answered ${outcome.value.status}; logged: ${logged || 'nothing'}`);
  }
  return outcome.value;
}

describe('fuzz: registry handler', () => {
  const RUNS = 500;

  it('answers any sequence of requests without a 5xx, and stays usable', { timeout: fuzzTimeout(RUNS, 200) }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.boolean(), fc.array(requestArb, { minLength: 1, maxLength: 4 }), async (signing, recipes) => {
        const { registry, token, errors } = await caseRegistry(signing);
        const published: string[] = [];
        for (const recipe of recipes) {
          const request = toRequest(recipe, published, token);
          if (request === undefined) continue;
          const response = await answer(registry, request, errors);
          if (recipe.kind === 'publish' && response.status === 201) published.push(recipe.name);
        }
        const list = await answer(registry, new Request(`${ORIGIN}/v1/plugins?limit=250`), errors);
        if (list.status !== 200) throw new FuzzFailure(`GET /v1/plugins answered ${list.status} after the requests`);
        for (const name of published) {
          const document = await answer(registry, new Request(`${ORIGIN}/v1/plugins/${encodeURIComponent(name)}`), errors);
          if (document.status !== 200) throw new FuzzFailure(`GET of the published ${name} answered ${document.status}`);
        }
        const health = await answer(registry, new Request(`${ORIGIN}/healthz`), errors);
        if (health.status !== 200) throw new FuzzFailure(`GET /healthz answered ${health.status} after the requests`);
      }),
      fuzzParameters(RUNS, 200),
    );
  });
});
