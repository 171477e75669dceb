/**
 * What the example host page exposes to the tests that drive it.
 */
import type { BrowserPluginHost } from '../../src/browser/host.js';

declare global {
  interface Window {
    plughubExample: { host: BrowserPluginHost };
  }
}
