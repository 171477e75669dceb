/**
 * The example app's page script: a plughub browser host (plugins from the
 * registry in `?registry=`, cached in IndexedDB database `?db=`), connected
 * to the app's service worker with connectServiceWorker, so that the page's
 * own fetch('/api/plugin/…') calls are answered by the plugin `?plugin=`.
 * Bundle it with plughub/browser into app.js:
 *   npx esbuild examples/service-worker/main.js --bundle --format=esm --outfile=app.js
 * For tests, the page exposes its host as `window.plughubServiceWorkerExample.host`.
 */
import { connectServiceWorker, createPluginHost } from 'plughub/browser';

const params = new URLSearchParams(location.search);
const $ = (id) => /** @type {HTMLElement & HTMLInputElement} */ (document.getElementById(id));

function note(kind, text) {
  const item = document.createElement('li');
  item.textContent = `${kind}: ${text}`;
  $('log').append(item);
}

const host = createPluginHost({
  registry: params.get('registry') ?? 'http://127.0.0.1:4873',
  database: params.get('db') ?? 'plughub-service-worker-example',
  log: {
    debug() {},
    info: (...args) => note('info', args.join(' ')),
    warn: (...args) => note('warn', args.join(' ')),
    error: (...args) => note('error', args.join(' ')),
  },
});
window.plughubServiceWorkerExample = { host };

// Answer what the service worker relays, before anything can be relayed.
connectServiceWorker(host);

/** Resolves once the service worker controls this page (at once after the first visit). */
async function controlled() {
  if (navigator.serviceWorker.controller) return;
  await new Promise((resolve) => navigator.serviceWorker.addEventListener('controllerchange', resolve, { once: true }));
}

async function start() {
  try {
    // Offline, registering again fails to fetch sw.js; the worker already installed keeps serving.
    await navigator.serviceWorker.register('./sw.js').catch((error) => note('warn', `service worker not updated: ${error.message}`));
    await navigator.serviceWorker.ready;
    await controlled();
    const plugin = await host.load(params.get('plugin') ?? 'sample-routes@^1');
    note('host', `loaded ${plugin.name}@${plugin.version}`);
    $('status').value = 'ready';
    $('fetch').disabled = false;
  } catch (error) {
    $('status').value = 'failed';
    note('error', `${error.name}: ${error.message}`);
  }
}

$('fetch-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const response = await fetch($('path').value);
  $('response').value = `${response.status} ${await response.text()}`;
});

start();
