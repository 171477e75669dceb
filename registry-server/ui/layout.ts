/**
 * The page shell of the web interface: the header (the registry's has the
 * search box), a skip link, the main region and the footer, the stylesheet
 * and the one script (no inline script or style: see security.ts). One
 * shell serves two sites, the registry's pages and the plugin host's
 * management page (`Site`). Built with hono's `html` template, which
 * escapes every interpolated string.
 */
import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import { ASSET_VERSION } from './assets.js';

/** A rendered piece of HTML (hono's escaped string). */
export type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

/** What differs between the sites that use the shell. */
export interface Site {
  /** The brand in the header and the title, such as `plughub registry`. */
  name: string;
  /** Where the brand links. */
  home: string;
  /** Where the assets are served, such as `/assets`. */
  assets: string;
  /** The page script's file name under `assets`. */
  script: string;
  /** The `?v=` of the asset links. */
  version: string;
  /** Whether the header has the registry's search box. */
  search: boolean;
  /** The footer's link to the site's JSON API. */
  api: { href: string; label: string };
  /** The default `<meta name="description">`. */
  description: string;
}

/** The registry's pages. */
export const REGISTRY_SITE: Site = {
  name: 'plughub registry',
  home: '/',
  assets: '/assets',
  script: 'registry.js',
  version: ASSET_VERSION,
  search: true,
  api: { href: '/v1/plugins', label: 'JSON API' },
  description: 'Plugins published to this plughub registry',
};

/** What a page puts in the shell. */
export interface PageParts {
  /** The site (default the registry's). */
  site?: Site;
  title: string;
  /** The search box's current text. */
  query?: string;
  body: Html;
  /** A short description for `<meta name="description">`. */
  description?: string;
}

/** The whole document of a page. */
export function page(parts: PageParts): Html {
  const site = parts.site ?? REGISTRY_SITE;
  const search = site.search
    ? html`<form role="search" action="/" method="get" id="search">
<label for="q" class="visually-hidden">Search plugins</label>
<input type="search" id="q" name="q" value="${parts.query ?? ''}" placeholder="Search plugins" autocomplete="off" maxlength="200">
<button type="submit">Search</button>
</form>`
    : '';
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${parts.title} · ${site.name}</title>
<meta name="description" content="${parts.description ?? site.description}">
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${site.assets}/site.css?v=${site.version}">
<script type="module" src="${site.assets}/${site.script}?v=${site.version}"></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="site"><div class="bar">
<a class="brand" href="${site.home}">${site.name}</a>
${search}
</div></header>
<main id="main" tabindex="-1">
${parts.body}
</main>
<footer class="site">Served by plughub · <a href="${site.api.href}">${site.api.label}</a></footer>
</body>
</html>`;
}
