/**
 * `host.fetch` on the browser host (createPluginHost from plughub/browser)
 * under happy-dom, with fake-indexeddb and the in-memory registry double: a
 * route-serving plugin answers its routes with its params, query and request
 * body; a new host that loads it from IndexedDB while the registry is
 * unreachable answers them too; after unload the routes are gone (404).
 * test/chromium/service-worker.test.ts repeats it in a real browser.
 */
import { describe, expect, it } from 'vitest';
import { publish } from '../core/host/fixture.js';
import { browserSetup } from './helpers.js';

const ROUTES = {
  http_services: {
    driver: 'fetch',
    routes: [
      { route: '/api/plugin/notes/:id', method: 'GET', label: 'notes.get' },
      { route: '/api/plugin/notes', method: 'POST', label: 'notes.add' },
    ],
  },
};

const NOTES = `export default {
  async execute(ctx) {
    if (ctx.label === 'notes.add') return { added: await ctx.request.json(), label: ctx.label };
    return { id: ctx.get('params').id, q: ctx.get('query').get('q'), label: ctx.label };
  },
};`;

const APP = 'https://app.example';

describe('host.fetch on the browser host', () => {
  it('answers a loaded plugin’s routes with its params, query and request body', async () => {
    const { registry, host } = browserSetup();
    await publish(registry, 'notes', '1.0.0', NOTES, ROUTES);
    const browserHost = host();
    await browserHost.load('notes@^1');
    const got = await browserHost.fetch(new Request(`${APP}/api/plugin/notes/a%2Fb?q=find`));
    expect(got.status).toBe(200);
    expect(got.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await got.json()).toEqual({ id: 'a/b', q: 'find', label: 'notes.get' });
    const added = await browserHost.fetch(new Request(`${APP}/api/plugin/notes`, { method: 'POST', body: JSON.stringify({ text: 'hi' }) }));
    expect(await added.json()).toEqual({ added: { text: 'hi' }, label: 'notes.add' });
    const wrong = await browserHost.fetch(new Request(`${APP}/api/plugin/notes`, { method: 'GET' }));
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toContain('POST');
    await browserHost.close();
  });

  it('serves the routes of a plugin loaded from IndexedDB while the registry is unreachable, and none after unload', async () => {
    const { registry, host, setOnline } = browserSetup();
    await publish(registry, 'notes', '1.0.0', NOTES, ROUTES);
    const first = host();
    await first.load('notes');
    await first.settled();
    setOnline(false);
    const offline = host();
    await offline.load('notes@^1');
    expect(await (await offline.fetch(new Request(`${APP}/api/plugin/notes/7`))).json()).toEqual({ id: '7', q: null, label: 'notes.get' });
    await offline.unload('notes');
    const gone = await offline.fetch(new Request(`${APP}/api/plugin/notes/7`));
    expect(gone.status).toBe(404);
    expect(await gone.json()).toMatchObject({ error: { code: 'E_NOT_FOUND' } });
    await offline.close();
  });
});
