/**
 * The web interface's assets, the stylesheet and the script, served from
 * memory (the registry's at /assets/site.css and /assets/registry.js; the
 * plugin host's management page serves its own set the same way). Pages
 * link them with `?v=` and a digest of their text, so a page always gets
 * the assets it was rendered with, and they can be cached for a year.
 */
import { REGISTRY_CLIENT_JS } from './client-source.js';
import { SECURITY_HEADERS } from './security.js';
import { SITE_CSS } from './styles.js';

/** FNV-1a over the UTF-16 code units of `texts`: a cache key, not a security digest. */
export function assetVersion(...texts: string[]): string {
  let hash = 0x811c9dc5;
  for (const text of texts) {
    for (let index = 0; index < text.length; index++) {
      hash ^= text.charCodeAt(index);
      hash = Math.imul(hash, 0x01000193) >>> 0;
    }
  }
  return hash.toString(36);
}

/** The registry's `?v=` of asset links: changes whenever an asset does. */
export const ASSET_VERSION = assetVersion(SITE_CSS + REGISTRY_CLIENT_JS);

const encoder = new TextEncoder();

/** An asset: its bytes and content type. */
interface Asset {
  bytes: Uint8Array<ArrayBuffer>;
  type: string;
}

/** A set of assets by file name, answered by `(file, method)`: undefined when there is none of that name. */
export type AssetSet = (file: string, method: string) => Response | undefined;

/** The set serving `scripts` (file name → source) and the stylesheet as `site.css`. */
export function createAssetSet(scripts: Record<string, string>): AssetSet {
  const assets = new Map<string, Asset>([['site.css', { bytes: encoder.encode(SITE_CSS), type: 'text/css; charset=utf-8' }]]);
  for (const [file, source] of Object.entries(scripts)) assets.set(file, { bytes: encoder.encode(source), type: 'text/javascript; charset=utf-8' });
  return (file, method) => {
    const asset = assets.get(file);
    if (asset === undefined) return undefined;
    const headers = {
      ...SECURITY_HEADERS,
      'content-type': asset.type,
      'content-length': String(asset.bytes.byteLength),
      'cache-control': 'public, max-age=31536000, immutable',
    };
    return new Response(method === 'HEAD' ? null : asset.bytes, { status: 200, headers });
  };
}

/** The response for the registry's asset `file`, or undefined when there is none of that name. */
export const assetResponse: AssetSet = createAssetSet({ 'registry.js': REGISTRY_CLIENT_JS });
