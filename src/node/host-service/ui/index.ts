/**
 * The management page of `plughub host`, mounted at `/ui`: the page itself
 * (page.ts), its live part alone at `/ui?fragment=live` (live-fragment.ts),
 * and its assets at `/ui/assets/` (the registry's stylesheet and the page
 * script, client/host-page.ts). The page is a read of the management API
 * and follows its access rules: with the API off it says why (403); with
 * reads that need a token it renders the shell and the script fetches the
 * live part with the token, which this part checks as the API does. Every
 * answer carries the registry pages' security headers (a strict CSP).
 */
import { Hono } from 'hono';
import { summarizePluginMetrics } from '../../../core/index.js';
import { createAssetSet } from '../../../../registry-server/ui/assets.js';
import type { Html } from '../../../../registry-server/ui/layout.js';
import { pageHeaders } from '../../../../registry-server/ui/security.js';
import { createFileTokenStore } from '../../../../registry-server/tokens/file.js';
import type { TokenVerifier } from '../../../../registry-server/tokens/types.js';
import type { NodePluginHost } from '../../host.js';
import type { MountedPart } from '../app.js';
import type { HostConfig } from '../config.js';
import { checkAccess, checkHost, isLoopback, type ApiAccess } from '../api/auth.js';
import { toApiError, type ApiError } from '../api/errors.js';
import { API_DEFAULTS } from '../api/index.js';
import { pluginView, RetiringVersions } from '../api/views.js';
import { HOST_UI_CLIENT_JS } from './client-source.js';
import { liveFragment, type PluginRow } from './live-fragment.js';
import { apiOffPage, hostPage } from './page.js';
import { RecentErrors } from './recent-errors.js';

/** Where the page is mounted. */
export const UI_PATH = '/ui';

/** What the management page needs. */
export interface HostUiOptions {
  host: NodePluginHost;
  config: HostConfig;
  /** Whether the management API is on, and if not why (`apiAvailability`). */
  availability: { on: true } | { on: false; reason: string };
  /** The tokens (default: the token directory of the configuration, if any). */
  tokens?: TokenVerifier;
  /** How many of the host's errors the page keeps (default 50). */
  recentErrors?: number;
}

/** The mounted page and its stop. */
export interface HostUi extends MountedPart {
  /** Stops following the host. */
  close(): void;
}

const assets = createAssetSet({ 'host.js': HOST_UI_CLIENT_JS });

/**
 * The management page over `host`.
 * @example const ui = createHostUi({ host, config, availability: apiAvailability(config) }); createHostApp({ plugins: host, mounts: [api, ui] });
 */
export function createHostUi(options: HostUiOptions): HostUi {
  const { host, config, availability } = options;
  const apiConfig = config.api ?? API_DEFAULTS;
  const tokens = options.tokens ?? (apiConfig.tokens === undefined ? undefined : createFileTokenStore(apiConfig.tokens));
  const access: ApiAccess = { tokens, readAccess: apiConfig.readAccess, loopbackOnly: isLoopback(config.listen) };
  const retiring = new RetiringVersions(host);
  const errors = new RecentErrors(host, options.recentErrors);

  const live = async (): Promise<Html> => {
    // The workers' heaps are read by an asynchronous question, as /metrics does before a scrape.
    await host.refreshMetrics();
    const snapshot = host.metrics();
    const rows = host.list().map((plugin) => pluginView(plugin, retiring, (name, version) => summarizePluginMetrics(snapshot, name, version)) as PluginRow);
    return liveFragment(rows, errors.list());
  };

  const app = new Hono();
  app.get(`${UI_PATH}/assets/:file`, (c) => assets(c.req.param('file'), c.req.method) ?? htmlAnswer(404, 'No such file.'));
  app.get(UI_PATH, async (c) => {
    if (!availability.on) return htmlAnswer(403, apiOffPage(availability.reason));
    try {
      checkHost(c.req.raw, access);
    } catch (error) {
      return htmlAnswer(403, (error as Error).message);
    }
    if (c.req.query('fragment') === 'live') {
      try {
        await checkAccess(c.req.raw, access);
      } catch (error) {
        const refusal = toApiError(error);
        if (refusal === undefined) throw error;
        return jsonError(refusal);
      }
      return htmlAnswer(200, await live());
    }
    const open = apiConfig.readAccess === 'open';
    return htmlAnswer(200, hostPage({ live: open ? await live() : undefined, registry: host.registry?.url, changes: tokens !== undefined }));
  });
  app.all('*', (c) => htmlAnswer(c.req.method === 'GET' || c.req.method === 'HEAD' ? 404 : 405, 'Not found.'));

  return {
    path: UI_PATH,
    fetch: (request) => app.fetch(request),
    close() {
      retiring.close();
      errors.close();
    },
  };
}

async function htmlAnswer(status: number, body: Html | string): Promise<Response> {
  return new Response(String(await body), { status, headers: pageHeaders() });
}

/** A refusal of the live part, in the API's error shape (the page script shows its message). */
function jsonError(refusal: ApiError): Response {
  return new Response(JSON.stringify({ error: { code: refusal.code, message: refusal.message } }), {
    status: refusal.status,
    headers: { ...pageHeaders(), ...refusal.headers, 'content-type': 'application/json; charset=utf-8' },
  });
}
