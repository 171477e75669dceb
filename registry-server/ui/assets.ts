/**
 * The web interface's two assets, the stylesheet and the script, served
 * from memory at /assets/site.css and /assets/registry.js. Pages link them
 * with `?v=` and a digest of their text, so a page always gets the assets
 * it was rendered with, and they can be cached for a year.
 */
import { REGISTRY_CLIENT_JS } from './client-source.js';
import { SECURITY_HEADERS } from './security.js';
import { SITE_CSS } from './styles.js';

/** FNV-1a over the UTF-16 code units: a cache key, not a security digest. */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(36);
}

/** The `?v=` of asset links: changes whenever an asset does. */
export const ASSET_VERSION = fnv1a(SITE_CSS + REGISTRY_CLIENT_JS);

const encoder = new TextEncoder();

/** An asset: its bytes and content type. */
interface Asset {
  bytes: Uint8Array<ArrayBuffer>;
  type: string;
}

const ASSETS = new Map<string, Asset>([
  ['site.css', { bytes: encoder.encode(SITE_CSS), type: 'text/css; charset=utf-8' }],
  ['registry.js', { bytes: encoder.encode(REGISTRY_CLIENT_JS), type: 'text/javascript; charset=utf-8' }],
]);

/** The response for asset `file`, or undefined when there is none of that name. */
export function assetResponse(file: string, method: string): Response | undefined {
  const asset = ASSETS.get(file);
  if (asset === undefined) return undefined;
  const headers = {
    ...SECURITY_HEADERS,
    'content-type': asset.type,
    'content-length': String(asset.bytes.byteLength),
    'cache-control': 'public, max-age=31536000, immutable',
  };
  return new Response(method === 'HEAD' ? null : asset.bytes, { status: 200, headers });
}
