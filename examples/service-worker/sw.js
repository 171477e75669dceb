/**
 * The example app's service worker: it keeps the app shell (the page and its
 * script) in Cache Storage so the app opens offline, and relays the app's
 * requests under /api/plugin/ to the plugin host of an open page of the app
 * (servePluginRoutes). Bundle it with plughub/browser into one classic
 * script, sw.js:
 *   npx esbuild examples/service-worker/sw.js --bundle --format=iife --outfile=sw.js
 */
import { servePluginRoutes } from 'plughub/browser';

const SHELL_CACHE = 'plughub-example-shell-v1';
const SHELL = ['./', './index.html', './app.js'];

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(SHELL_CACHE)
      .then((cache) => cache.addAll(SHELL))
      .then(() => self.skipWaiting()),
  );
});

// Take control of the open pages at once, so that their fetch calls reach this worker.
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

// Plugin routes first: the listener that calls respondWith first answers.
servePluginRoutes(self, { paths: ['/api/plugin/'] });

// The app shell: from the network when it answers (so a new version shows), else from the cache.
self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== self.location.origin) return;
  if (!SHELL.some((path) => new URL(path, self.location.href).pathname === url.pathname)) return;
  event.respondWith(
    (async () => {
      const cache = await caches.open(SHELL_CACHE);
      try {
        const response = await fetch(event.request);
        if (response.ok) await cache.put(event.request, response.clone());
        return response;
      } catch (error) {
        const cached = await cache.match(event.request, { ignoreSearch: true });
        if (cached) return cached;
        throw error;
      }
    })(),
  );
});
