/** Small formatting helpers shared by the pages: dates, counts, short integrities, page links. */

/** `2026-12-03` from an ISO time, or the text as given when it is not a date. */
export function day(iso: string | undefined): string {
  if (iso === undefined) return '';
  const time = Date.parse(iso);
  return Number.isFinite(time) ? new Date(time).toISOString().slice(0, 10) : iso.slice(0, 32);
}

/** `1,234` */
export function count(value: number): string {
  return value.toLocaleString('en-US');
}

/** `sha256-AbCdEf…` with the first 12 characters of the digest. */
export function shortIntegrity(integrity: string): string {
  const dash = integrity.indexOf('-');
  return dash < 0 ? integrity.slice(0, 20) : `${integrity.slice(0, dash + 13)}…`;
}

/** The page path of a plugin: `/plugins/name` or `/plugins/@scope/name`, each segment encoded. */
export function pluginPath(name: string): string {
  return `/plugins/${name.split('/').map(encodeURIComponent).join('/').replace(/^%40/, '@')}`;
}
