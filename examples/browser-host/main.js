/**
 * The example host page's script: a plughub browser host whose plugins come
 * from the registry in the form, cached in IndexedDB (database `db`, default
 * `plughub-example`) and imported from blob: URLs, the scheme index.html's
 * Content-Security-Policy allows (`?scheme=auto` lets the host probe for the
 * faster data: URLs first, as it does by default). Plugins get `ctx.host.note(text)`
 * to write to the page's log. Bundle it with plughub/browser into app.js:
 *   npx esbuild examples/browser-host/main.js --bundle --format=esm --outfile=app.js
 * For tests, the page exposes its host as `window.plughubExample.host`.
 */
import { createPluginHost, parsePluginSpec } from 'plughub/browser';

const params = new URLSearchParams(location.search);
const $ = (id) => /** @type {HTMLElement & HTMLInputElement} */ (document.getElementById(id));
const form = $('host-form');

for (const field of ['registry', 'spec', 'values']) {
  const preset = params.get(field);
  if (preset !== null) $(field).value = preset;
}

/** Appends a line to the page's log. */
function note(kind, text) {
  const item = document.createElement('li');
  item.dataset.kind = kind;
  item.textContent = `${kind}: ${text}`;
  $('log').append(item);
}

const log = {
  debug() {},
  info: (...args) => note('info', args.join(' ')),
  warn: (...args) => note('warn', args.join(' ')),
  error: (...args) => note('error', args.map(String).join(' ')),
};

/** One host per registry URL: changing the registry field starts a new host. */
let current;
function hostFor(registry) {
  if (current?.registry === registry) return current.host;
  const trustedKeys = params.get('trustedKeys');
  const host = createPluginHost({
    registry,
    // With `?trustedKeys=<base64>,…` the page verifies the registry's signed metadata.
    ...(trustedKeys ? { trustedKeys: trustedKeys.split(',') } : {}),
    database: params.get('db') ?? 'plughub-example',
    // This page's policy allows blob: scripts only; a page without one can leave the scheme to the host.
    moduleScheme: params.get('scheme') ?? 'blob',
    api: { note: (text) => note('plugin', String(text)) },
    log,
  });
  host.on('loaded', ({ plugin, durationMs }) => note('host', `loaded ${plugin.name}@${plugin.version} in ${durationMs} ms`));
  host.on('unloaded', ({ name, version }) => note('host', `unloaded ${name}@${version}`));
  for (const event of ['loaded', 'unloaded']) host.on(event, () => showPlugins(host));
  current = { registry, host };
  window.plughubExample = { host };
  return host;
}

function showPlugins(host) {
  $('plugins').replaceChildren(
    ...host.list().map((plugin) => {
      const item = document.createElement('li');
      item.textContent = `${plugin.name}@${plugin.version} (${plugin.integrity})`;
      return item;
    }),
  );
}

function setStatus(status) {
  $('status').value = status;
}

function showError(error) {
  $('error').value = `${error?.name ?? 'Error'}: ${error?.message ?? String(error)}`;
  $('error').dataset.code = error?.code ?? '';
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  $('result').value = '';
  $('error').value = '';
  try {
    const host = hostFor($('registry').value);
    setStatus('loading');
    const plugin = await host.load($('spec').value);
    const values = $('values').value.trim() === '' ? {} : JSON.parse($('values').value);
    setStatus('running');
    const result = await host.execute(plugin.name, { values });
    $('result').value = typeof result === 'string' ? result : JSON.stringify(result);
    setStatus('done');
  } catch (error) {
    showError(error);
    setStatus('failed');
  }
});

$('unload').addEventListener('click', async () => {
  try {
    await hostFor($('registry').value).unload(parsePluginSpec($('spec').value).name);
  } catch (error) {
    showError(error);
  }
});

if ($('registry').value) hostFor($('registry').value);
$('run').disabled = false;
$('unload').disabled = false;
setStatus('ready');
