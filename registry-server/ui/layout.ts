/**
 * The page shell of the registry's web interface: the header with the
 * search box, a skip link, the main region and the footer, the stylesheet
 * and the one script (no inline script or style: see security.ts). Built
 * with hono's `html` template, which escapes every interpolated string.
 */
import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import { ASSET_VERSION } from './assets.js';

/** A rendered piece of HTML (hono's escaped string). */
export type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

/** What a page puts in the shell. */
export interface PageParts {
  title: string;
  /** The search box's current text. */
  query?: string;
  body: Html;
  /** A short description for `<meta name="description">`. */
  description?: string;
}

/** The whole document of a page. */
export function page(parts: PageParts): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${parts.title} · plughub registry</title>
<meta name="description" content="${parts.description ?? 'Plugins published to this plughub registry'}">
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/site.css?v=${ASSET_VERSION}">
<script type="module" src="/assets/registry.js?v=${ASSET_VERSION}"></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="site"><div class="bar">
<a class="brand" href="/">plughub registry</a>
<form role="search" action="/" method="get" id="search">
<label for="q" class="visually-hidden">Search plugins</label>
<input type="search" id="q" name="q" value="${parts.query ?? ''}" placeholder="Search plugins" autocomplete="off" maxlength="200">
<button type="submit">Search</button>
</form>
</div></header>
<main id="main" tabindex="-1">
${parts.body}
</main>
<footer class="site">Served by plughub · <a href="/v1/plugins">JSON API</a></footer>
</body>
</html>`;
}
