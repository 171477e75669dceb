/**
 * The management page's rendering on its own: hostile plugin names, route
 * labels and error messages come out escaped, figures are formatted, and
 * the page links only its own assets under /ui/assets.
 */
import { describe, expect, it } from 'vitest';
import { bytes, duration, liveFragment, type PluginRow } from '../../../src/node/host-service/ui/live-fragment.js';
import { apiOffPage, hostPage } from '../../../src/node/host-service/ui/page.js';

const HOSTILE = '<img src=x onerror="alert(1)">&\'';

function row(overrides: Partial<PluginRow> = {}): PluginRow {
  return {
    name: 'hello',
    version: '1.0.0',
    isolation: 'worker',
    origin: { kind: 'registry', registry: 'http://127.0.0.1:1', range: '^1' },
    routes: [{ method: 'GET', pattern: '/hello/:who', label: 'greet' }],
    state: 'serving',
    retiring: [],
    loadedAt: '2026-12-03T12:00:00.000Z',
    integrity: 'sha256-x',
    metrics: {
      calls: 12,
      callErrors: 1,
      callP50Ms: 2.5,
      callP99Ms: 140,
      routeRequests: 3,
      routeErrors: 1,
      loads: 1,
      loadFailures: 0,
      loadMeanMs: 35,
      workerHeapBytes: 5 * 1024 * 1024,
    },
    ...overrides,
  };
}

describe('the live part', () => {
  it('escapes hostile names, route labels, origins and error messages', async () => {
    const text = String(
      await liveFragment(
        [
          row({
            name: HOSTILE,
            version: `1.0.0-${HOSTILE}`,
            routes: [{ method: 'GET', pattern: `/x/${HOSTILE}`, label: HOSTILE }],
            origin: { kind: 'local', location: `/plugins/${HOSTILE}` },
            retiring: [{ version: HOSTILE, since: '2026-12-03T12:00:00.000Z' }],
          }),
        ],
        [{ at: '2026-12-03T12:00:01.000Z', name: HOSTILE, version: HOSTILE, phase: 'load', code: 'E_LOAD', message: `boom ${HOSTILE}` }],
      ),
    );
    expect(text).not.toContain('<img');
    expect(text).not.toContain('onerror="');
    expect(text).toContain('&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;&#39;');
    expect(text).toContain(`data-plugin="&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;&#39;"`);
  });

  it('shows each plugin with its state, routes, figures and the action its origin allows', async () => {
    const text = String(
      await liveFragment(
        [row(), row({ name: 'local', origin: { kind: 'local', location: '/srv/local' }, metrics: null, retiring: [{ version: '0.9.0', since: 'x' }] })],
        [],
      ),
    );
    expect(text).toContain('<tr data-plugin="hello">');
    expect(text).toContain('<code>GET /hello/:who</code>');
    expect(text).toContain('12 calls');
    expect(text).toContain('<span class="figure bad">2 errors</span>');
    expect(text).toContain('<span class="figure">2.5 ms</span><span class="figure">140 ms</span>');
    expect(text).toContain('<span class="figure">35.0 ms</span><span class="figure">heap 5.0 MiB</span>');
    expect(text).toContain('data-action="upgrade" data-plugin="hello"');
    expect(text).toContain('data-action="reload" data-plugin="local"');
    expect(text).toContain('<span class="tag retiring">retiring</span> 0.9.0');
    expect(text).toContain('No error since the host started.');
  });

  it('says so when no plugin is loaded', async () => {
    expect(String(await liveFragment([], []))).toContain('No plugin is loaded.');
  });

  it('formats durations and sizes', () => {
    expect([duration(undefined), duration(0.25), duration(250.4), duration(1500), duration(12_000)]).toEqual(['–', '0.3 ms', '250 ms', '1.5 s', '12 s']);
    expect([bytes(undefined), bytes(2048), bytes(3 * 1024 * 1024)]).toEqual(['–', '2 KiB', '3.0 MiB']);
  });
});

describe('the page', () => {
  it('links only its own stylesheet and script, with no inline script or style', async () => {
    const text = String(await hostPage({ live: undefined, registry: `http://r/${HOSTILE}`, changes: true }));
    expect(text).toMatch(/<link rel="stylesheet" href="\/ui\/assets\/site\.css\?v=\w+">/);
    expect(text).toMatch(/<script type="module" src="\/ui\/assets\/host\.js\?v=\w+"><\/script>/);
    expect(text.match(/<script/g)).toHaveLength(1);
    expect(text).not.toMatch(/<style|<[^>]*\s(style|on\w+)=/);
    expect(text).not.toContain('<img');
    expect(text).toContain('data-reads="token"');
    expect(text).toContain('Reading this host needs a token');
    expect(text).not.toContain('id="q"');
  });

  it('explains an API that is off, escaped', async () => {
    const text = String(await apiOffPage(`the management API is off: ${HOSTILE}`));
    expect(text).toContain('The management page is off');
    expect(text).not.toContain('<img');
  });
});

describe('the page script', () => {
  it('is one module that imports nothing and keeps the token nowhere but in memory', async () => {
    const { HOST_UI_CLIENT_JS } = await import('../../../src/node/host-service/ui/client-source.js');
    expect(HOST_UI_CLIENT_JS).not.toMatch(/\bimport\s*[{*'"(]|\brequire\(/);
    expect(HOST_UI_CLIENT_JS).not.toMatch(/localStorage|sessionStorage|document\.cookie|indexedDB/);
  });
});
