/**
 * The browser worker spawner imports plugins through the scheme the page's
 * own loader found allowed (a blob: worker inherits the page's policy), so
 * no worker probes again once the page has. Under happy-dom the page's
 * probe finds data: (Node imports data: URLs). A file of its own: the
 * probe's answer is kept per realm, and each test file gets fresh modules.
 */
import { describe, expect, it } from 'vitest';
import { createBlobUrlLoader, pageModuleScheme } from '../../src/browser/blob-url-loader.js';
import { createBrowserWorkerSpawner } from '../../src/browser/worker-spawner.js';
import { computeIntegrity } from '../../src/core/integrity.js';

describe('the worker spawner’s module scheme', () => {
  it('probes data: then blob: until the page has probed, then takes the page’s answer', async () => {
    const spawner = createBrowserWorkerSpawner();
    expect(pageModuleScheme()).toBeUndefined();
    expect(spawner.moduleSchemes).toEqual(['data', 'blob']);

    const bytes = new TextEncoder().encode(`export const ok = true; // ${Math.random()}\n`);
    const namespace = await createBlobUrlLoader().import({ name: 'probe-first', version: '1.0.0', integrity: await computeIntegrity(bytes), bytes });
    expect(namespace.ok).toBe(true);

    expect(pageModuleScheme()).toBe('data');
    expect(spawner.moduleSchemes).toEqual(['data']);
  });

  it('keeps a scheme given to it, whatever the page found', () => {
    expect(createBrowserWorkerSpawner({ moduleScheme: 'blob' }).moduleSchemes).toEqual(['blob']);
    expect(createBrowserWorkerSpawner({ moduleScheme: 'data' }).moduleSchemes).toEqual(['data']);
  });
});
