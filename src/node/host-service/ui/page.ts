/**
 * The management page of `plughub host` (`/ui`), rendered on the server in
 * the registry's page shell: the admin token field (its value stays in the
 * page; the page script sends it as `Authorization: Bearer` to the API),
 * the load form, the "check and upgrade all" button, an aria-live status
 * line for actions and one for the event stream, and the live part
 * (live-fragment.ts). When reads need a token the live part is left for
 * the script to fetch with it; when the API is off the page says why.
 */
import { html } from 'hono/html';
import { assetVersion } from '../../../../registry-server/ui/assets.js';
import { page, type Html, type Site } from '../../../../registry-server/ui/layout.js';
import { SITE_CSS } from '../../../../registry-server/ui/styles.js';
import { HOST_UI_CLIENT_JS } from './client-source.js';

/** The management page's site: its brand, its assets under /ui/assets, no search box. */
export const HOST_SITE: Site = {
  name: 'plughub host',
  home: '/ui',
  assets: '/ui/assets',
  script: 'host.js',
  version: assetVersion(SITE_CSS + HOST_UI_CLIENT_JS),
  search: false,
  api: { href: '/api/v1/openapi.json', label: 'Management API' },
  description: 'The plugins this plughub host serves',
};

/** What the page shows above the live part. */
export interface HostPageParts {
  /** The live part, or undefined when reads need a token (the script fetches it). */
  live: Html | undefined;
  /** Whether the host has a registry to load from. */
  registry: string | undefined;
  /** Whether changes can be made at all (a token directory is configured). */
  changes: boolean;
}

/** The whole management page. */
export function hostPage(parts: HostPageParts): Html {
  const reads = parts.live === undefined ? 'token' : 'open';
  const changes = parts.changes
    ? html`<p class="muted small">Reading is ${reads === 'open' ? 'open' : 'for token holders'}; changes need an admin token. The token stays in this page: it is sent to the management API only, and forgotten when the page closes.</p>`
    : html`<p class="notice">This service has no token directory, so the management API refuses every change (start it with <code>--api-tokens DIR</code>).</p>`;
  const load =
    parts.registry === undefined
      ? html`<p class="muted">This host has no registry to load plugins from (<code>--registry URL</code>).</p>`
      : html`<form id="load-form" class="inline-form">
<label for="load-spec">Plugin spec <span class="muted small">(name@range from ${parts.registry})</span></label>
<div class="row"><input type="text" id="load-spec" name="spec" required maxlength="300" placeholder="hello@^1" autocomplete="off" spellcheck="false"><button type="submit">Load</button></div>
</form>`;
  const body = html`<div id="host" data-reads="${reads}">
<h1>Plugin host</h1>
<section class="panel" aria-labelledby="manage-heading">
<h2 id="manage-heading" class="visually-hidden">Manage</h2>
<div class="manage">
<div>
<label for="token">Admin token</label>
<input type="password" id="token" autocomplete="off" spellcheck="false">
</div>
${load}
<div>
<span class="label">Updates</span>
<button type="button" id="upgrade-all" data-action="upgrade-all">Check and upgrade all</button>
</div>
</div>
${changes}
<div id="confirm" class="confirm" hidden>
<p id="confirm-text"></p>
<button type="button" class="danger" data-action="confirm">Unload</button>
<button type="button" class="secondary" data-action="cancel">Cancel</button>
</div>
<p id="status" class="status" role="status" aria-live="polite"></p>
<div id="updates" class="updates" hidden></div>
</section>
<p id="events-status" class="status muted small" role="status" aria-live="polite"></p>
${parts.live ?? html`<div id="live"><p class="notice">Reading this host needs a token: enter it above to list the plugins.</p></div>`}
</div>`;
  return page({ site: HOST_SITE, title: 'Plugins', body });
}

/** The page shown when the management API is off: why, and how to turn it on. */
export function apiOffPage(reason: string): Html {
  const body = html`<h1>Plugin host</h1>
<p class="notice" id="api-off">The management page is off, as ${reason}.</p>
<p>Listen on a loopback address (<code>--listen 127.0.0.1</code>), or give the service a token directory (<code>--api-tokens DIR</code>) to manage it from here.</p>`;
  return page({ site: HOST_SITE, title: 'Management page off', body });
}
