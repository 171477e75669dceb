/**
 * The live part of the management page (`#live`, also served alone as
 * `/ui?fragment=live` for the page script to swap in): the loaded plugins
 * with their version, isolation, state, routes and figures, an action
 * button per plugin, and the host's recent errors, newest first. Every
 * name, label and message goes through hono's `html` template, which
 * escapes it.
 */
import { html } from 'hono/html';
import type { PluginMetricsSummary } from '../../../core/index.js';
import type { Html } from '../../../../registry-server/ui/layout.js';
import type { PluginView } from '../api/views.js';
import type { RecentError } from './recent-errors.js';

/** A plugin as the page shows it: the API's view with the figures typed. */
export type PluginRow = Omit<PluginView, 'metrics'> & { metrics: PluginMetricsSummary | null };

/** `12.3 ms`, `1.2 s`, or an en dash when nothing was measured. */
export function duration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '–';
  if (ms >= 1000) return `${(ms / 1000).toFixed(ms >= 10_000 ? 0 : 1)} s`;
  return `${ms >= 100 ? Math.round(ms) : ms.toFixed(1)} ms`;
}

/** `12.5 MiB`, or an en dash. */
export function bytes(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '–';
  if (value >= 1024 * 1024) return `${(value / (1024 * 1024)).toFixed(1)} MiB`;
  return `${Math.round(value / 1024)} KiB`;
}

/** `1 call`, `2 calls`. */
function plural(value: number, noun: string): string {
  return `${value} ${noun}${value === 1 ? '' : 's'}`;
}

function origin(plugin: PluginRow): string {
  return plugin.origin.kind === 'registry' ? `${plugin.origin.range} from ${plugin.origin.registry}` : plugin.origin.location;
}

function state(plugin: PluginRow): Html {
  const retiring = plugin.retiring.map((entry) => html`<li><span class="tag retiring">retiring</span> ${entry.version}</li>`);
  return html`<span class="tag serving">${plugin.state}</span>${retiring.length > 0 ? html`<ul class="plain">${retiring}</ul>` : ''}`;
}

function routes(plugin: PluginRow): Html {
  if (plugin.routes.length === 0) return html`<span class="muted">none</span>`;
  return html`<ul class="plain">${plugin.routes.map((route) => html`<li><code>${route.method} ${route.pattern}</code> <span class="muted">${route.label}</span></li>`)}</ul>`;
}

function figures(metrics: PluginMetricsSummary | null): { calls: Html; latency: Html; load: Html } {
  if (metrics === null) return { calls: html`–`, latency: html`–`, load: html`–` };
  const errors = metrics.callErrors + metrics.routeErrors;
  return {
    calls: html`<span class="figure">${plural(metrics.calls, 'call')}</span><span class="figure">${plural(metrics.routeRequests, 'request')}</span><span class="figure ${errors > 0 ? 'bad' : 'muted'}">${plural(errors, 'error')}</span>`,
    latency: html`<span class="figure">${duration(metrics.callP50Ms ?? metrics.routeP50Ms)}</span><span class="figure">${duration(metrics.callP99Ms ?? metrics.routeP99Ms)}</span>`,
    load: html`<span class="figure">${duration(metrics.loadMeanMs)}</span>${metrics.workerHeapBytes !== undefined ? html`<span class="figure">heap ${bytes(metrics.workerHeapBytes)}</span>` : ''}`,
  };
}

function actions(plugin: PluginRow): Html {
  const swap =
    plugin.origin.kind === 'registry'
      ? html`<button type="button" class="secondary" data-action="upgrade" data-plugin="${plugin.name}">Upgrade</button>`
      : html`<button type="button" class="secondary" data-action="reload" data-plugin="${plugin.name}">Reload</button>`;
  return html`<div class="actions" role="group" aria-label="${`Actions for ${plugin.name}`}">${swap}<button type="button" class="secondary danger-text" data-action="unload" data-plugin="${plugin.name}">Unload</button></div>`;
}

function row(plugin: PluginRow): Html {
  const { calls, latency, load } = figures(plugin.metrics);
  return html`<tr data-plugin="${plugin.name}">
<th scope="row"><span class="name">${plugin.name}</span><br><span class="muted small">${origin(plugin)}</span></th>
<td class="version" data-label="Version">${plugin.version}</td>
<td data-label="Isolation">${plugin.isolation}</td>
<td data-label="State">${state(plugin)}</td>
<td data-label="Routes">${routes(plugin)}</td>
<td class="num" data-label="Traffic">${calls}</td>
<td class="num" data-label="p50 / p99">${latency}</td>
<td class="num" data-label="Load">${load}</td>
<td>${actions(plugin)}</td>
</tr>`;
}

/** The plugins table. */
export function pluginsTable(plugins: PluginRow[]): Html {
  if (plugins.length === 0) return html`<p id="plugins-empty" class="muted">No plugin is loaded.</p>`;
  return html`<div class="table-wrap" tabindex="0" role="region" aria-labelledby="plugins-heading">
<table id="plugins" class="cards">
<thead><tr><th scope="col">Plugin</th><th scope="col">Version</th><th scope="col">Isolation</th><th scope="col">State</th><th scope="col">Routes</th><th scope="col">Traffic</th><th scope="col">p50 / p99</th><th scope="col">Load</th><th scope="col">Actions</th></tr></thead>
<tbody>${plugins.map(row)}</tbody>
</table></div>`;
}

/** The recent errors, newest first. */
export function errorList(errors: RecentError[]): Html {
  if (errors.length === 0) return html`<p class="muted">No error since the host started.</p>`;
  return html`<ol id="errors" class="errors">${errors.map(
    (error) =>
      html`<li><span class="tag">${error.phase}</span> <strong>${error.name}${error.version !== undefined ? `@${error.version}` : ''}</strong> <code>${error.code}</code> <time class="muted small" datetime="${error.at}">${error.at.slice(11, 19)} UTC</time><div class="message">${error.message}</div></li>`,
  )}</ol>`;
}

/** The live part: the plugins and the recent errors. */
export function liveFragment(plugins: PluginRow[], errors: RecentError[]): Html {
  return html`<div id="live">
<h2 id="plugins-heading">Plugins <span class="muted small">(${plugins.length})</span></h2>
${pluginsTable(plugins)}
<h2>Recent errors</h2>
${errorList(errors)}
</div>`;
}
