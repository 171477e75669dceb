/**
 * The browser host's autoUpdate: besides its interval, it checks when the
 * page becomes visible again — through `document` by default, or an
 * injected visibility source — and stops listening on close.
 */
import { describe, expect, it } from 'vitest';
import type { VisibilitySource } from '../../src/browser/host.js';
import type { HostEvents } from '../../src/core/host/types.js';
import { publish } from '../core/host/fixture.js';
import { browserSetup } from './helpers.js';

/** A visibility source the test drives: an EventTarget with a settable visibilityState. */
function fakeVisibility() {
  const target = new EventTarget();
  const source = {
    visibilityState: 'hidden',
    listeners: 0,
    addEventListener(type: 'visibilitychange', listener: () => void) {
      source.listeners += 1;
      target.addEventListener(type, listener);
    },
    removeEventListener(type: 'visibilitychange', listener: () => void) {
      source.listeners -= 1;
      target.removeEventListener(type, listener);
    },
    show(state: 'visible' | 'hidden') {
      source.visibilityState = state;
      target.dispatchEvent(new Event('visibilitychange'));
    },
  };
  return source satisfies VisibilitySource;
}

function nextCheck(host: { on(event: 'checked', listener: (payload: HostEvents['checked']) => void): () => void }) {
  return new Promise<HostEvents['checked']>((resolve) => {
    const off = host.on('checked', (payload) => {
      off();
      resolve(payload);
    });
  });
}

const documentRequests = (requests: Request[]) => requests.filter((r) => new URL(r.url).pathname.startsWith('/v1/plugins/')).length;

describe('browser createPluginHost with autoUpdate', () => {
  it('checks for updates when the page becomes visible again, not when it is hidden', async () => {
    const { registry, host } = browserSetup();
    await publish(registry, 'shown', '1.0.0', 'export default { execute: () => 1 };');
    const visibility = fakeVisibility();
    const browserHost = host({ autoUpdate: { intervalMs: 3_600_000 }, visibility });
    await browserHost.load('shown@^1');
    await publish(registry, 'shown', '1.1.0', 'export default { execute: () => 2 };');
    const before = documentRequests(registry.requests);
    visibility.show('hidden');
    expect(documentRequests(registry.requests)).toBe(before);
    const checked = nextCheck(browserHost);
    visibility.show('visible');
    expect((await checked).upgraded).toEqual([{ name: 'shown', from: '1.0.0', to: '1.1.0' }]);
    expect(await browserHost.execute('shown')).toBe(2);
    expect(visibility.listeners).toBe(1);
    await browserHost.close();
    expect(visibility.listeners).toBe(0);
  });

  it('listens to document by default', async () => {
    const { registry, host } = browserSetup();
    await publish(registry, 'paged', '1.0.0', 'export default { execute: () => 1 };');
    const browserHost = host({ autoUpdate: { intervalMs: 3_600_000 }, database: 'paged' });
    await browserHost.load('paged@^1');
    expect(document.visibilityState).toBe('visible');
    const checked = nextCheck(browserHost);
    document.dispatchEvent(new Event('visibilitychange'));
    expect(await checked).toMatchObject({ upgraded: [], failed: [] });
    await browserHost.close();
  });
});
