/**
 * Copies a whole registry from one storage to another (a data directory or
 * a PostgreSQL database, either way): every document (its exact bytes, so
 * its ETag and the signatures made over it stay valid), every blob, the
 * tokens' records (hashes: secrets are never stored), the signing state
 * (keyring, every keys envelope, every signed record with its version
 * counter) and the download counts; then reads everything back from the
 * target and compares it with the source (counts and SHA-256 digests).
 */
import { createHash } from 'node:crypto';
import type { DownloadCounts, DownloadIncrement, Keyring } from '../../../registry-server/index.js';
import { snapshotOfBytes } from '../../../registry-server/storage/snapshot.js';
import type { TokenRecord } from '../../../registry-server/tokens/types.js';
import type { PluginDocument } from '../../core/registry/index.js';
import type { OpenedRegistryStore } from './registry-store.js';
import type { TokenRecords } from './token-records.js';

/** One side of a migration. */
export interface MigrationEnd {
  store: OpenedRegistryStore;
  tokens: TokenRecords;
}

/** What a migration copied (and then verified). */
export interface MigrationSummary {
  documents: number;
  blobs: number;
  blobBytes: number;
  tokens: number;
  keysEnvelopes: number;
  signedRecords: number;
  /** Plugins with download counts. */
  downloads: number;
}

/** What the target holds already: a reason to refuse it, or undefined when it is empty. */
export async function targetContents(target: MigrationEnd): Promise<string | undefined> {
  const plugins = await target.store.storage.listPlugins();
  if (plugins.length > 0) return `${plugins.length} plugin${plugins.length === 1 ? '' : 's'} (${plugins[0]!.name}…)`;
  const tokens = await target.tokens.read();
  if (tokens.length > 0) return `${tokens.length} token${tokens.length === 1 ? '' : 's'}`;
  if ((await target.store.signing.readKeyring()) !== undefined) return 'a signing keyring';
  return undefined;
}

const sha256 = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');
const DAY_MS = 86_400_000;

/**
 * Increments that rebuild `counts` exactly in an empty target: each day's
 * count first spread over versions, the rest of each version's total added
 * on a day older than the 30-day window (added first, so that the later days
 * prune it from the days while it stays in the totals). Ordered oldest first.
 */
function replayDownloads(name: string, counts: DownloadCounts): { increments: DownloadIncrement[]; at: number }[] {
  const remaining = new Map(Object.entries(counts.versions).filter(([, count]) => count > 0));
  const days = Object.entries(counts.days)
    .filter(([, count]) => count > 0)
    .sort(([a], [b]) => a.localeCompare(b));
  const steps: { increments: DownloadIncrement[]; at: number }[] = [];
  for (const [day, total] of days) {
    let left = total;
    const increments: DownloadIncrement[] = [];
    for (const [version, count] of remaining) {
      if (left === 0) break;
      const taken = Math.min(left, count);
      increments.push({ name, version, count: taken });
      left -= taken;
      if (count === taken) remaining.delete(version);
      else remaining.set(version, count - taken);
    }
    if (increments.length > 0) steps.push({ increments, at: Date.parse(`${day}T12:00:00Z`) });
  }
  const rest = [...remaining].map(([version, count]) => ({ name, version, count }));
  if (rest.length > 0) {
    const oldest = days.length > 0 ? Date.parse(`${days[0]![0]}T12:00:00Z`) : Date.now();
    steps.unshift({ increments: rest, at: oldest - 400 * DAY_MS });
  }
  return steps;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function sortedTokens(records: TokenRecord[]): string {
  return JSON.stringify([...records].sort((a, b) => a.id.localeCompare(b.id)));
}

/** Copies everything of `source` into `target` and verifies it; `progress` gets one line per stage. */
export async function migrateRegistry(source: MigrationEnd, target: MigrationEnd, progress: (line: string) => void = () => {}): Promise<MigrationSummary> {
  const from = source.store;
  const to = target.store;
  const summary: MigrationSummary = { documents: 0, blobs: 0, blobBytes: 0, tokens: 0, keysEnvelopes: 0, signedRecords: 0, downloads: 0 };

  // Blobs first: a document copied before its blob would be served without it.
  const blobs = await from.storage.listBlobs();
  for (const blob of blobs) {
    const bytes = await from.storage.getBlob(blob.algorithm, blob.hex);
    if (bytes === undefined) throw new Error(`${from.where}: blob ${blob.algorithm}-${blob.hex} is listed but cannot be read`);
    if (sha256(bytes) !== blob.hex) throw new Error(`${from.where}: blob ${blob.algorithm}-${blob.hex} does not hash to its name`);
    await to.storage.putBlob(blob.algorithm, blob.hex, bytes);
    summary.blobs += 1;
    summary.blobBytes += bytes.byteLength;
  }
  progress(`copied ${summary.blobs} blobs (${summary.blobBytes} bytes)`);

  const names: string[] = [];
  for await (const { name, bytes } of from.storage.eachDocument()) {
    const document = JSON.parse(new TextDecoder().decode(bytes)) as PluginDocument;
    const snapshot = await snapshotOfBytes(bytes);
    await to.storage.updateDocument(name, () => ({ document, snapshot }));
    names.push(name);
  }
  summary.documents = names.length;
  progress(`copied ${summary.documents} documents`);

  const tokens = await source.tokens.read();
  if (tokens.length > 0) await target.tokens.write(tokens);
  summary.tokens = tokens.length;

  const keyringText = await from.signing.readKeyring();
  if (keyringText !== undefined) {
    const keyring = JSON.parse(keyringText) as Keyring;
    for (let version = 1; version <= keyring.keysVersion; version += 1) {
      const envelope = await from.signing.readKeysEnvelope(version);
      if (envelope === undefined) continue;
      await to.signing.writeKeysEnvelope(version, envelope);
      summary.keysEnvelopes += 1;
    }
    await to.signing.writeKeyring(keyring);
  }
  const recordKeys = ['list', ...names.map((name) => `plugin:${name}`)];
  for (const key of recordKeys) {
    const record = await from.signing.readRecord(key);
    if (record === undefined) continue;
    await to.signing.withLock(key, () => to.signing.writeRecord(key, record));
    summary.signedRecords += 1;
  }
  progress(`copied ${summary.tokens} tokens, the keyring, ${summary.keysEnvelopes} keys envelopes and ${summary.signedRecords} signed records`);

  // A target that has counts of its own for a plugin (--force) keeps them and gets the source's added, unless they are the same (a migration run again).
  const merged = new Set<string>();
  for (const name of names) {
    const counts = await from.storage.getDownloads(name);
    if (Object.keys(counts.versions).length === 0) continue;
    const existing = await to.storage.getDownloads(name);
    if (sameJson(sortKeys(existing), sortKeys(counts))) continue;
    if (Object.keys(existing.versions).length > 0) merged.add(name);
    for (const step of replayDownloads(name, counts)) await to.storage.addDownloads(step.increments, step.at);
    summary.downloads += 1;
  }
  await to.storage.flushDownloads();
  progress(`copied the download counts of ${summary.downloads} plugins`);

  await verify(source, target, names, recordKeys, blobs.length, merged);
  progress('verified: every document, blob, token, signed record and download count reads back the same');
  return summary;
}

async function verify(
  source: MigrationEnd,
  target: MigrationEnd,
  names: string[],
  recordKeys: string[],
  blobCount: number,
  merged: Set<string>,
): Promise<void> {
  const from = source.store;
  const to = target.store;
  const fail = (what: string) => {
    throw new Error(`verification failed: ${what} in ${to.where} differs from ${from.where}`);
  };
  for (const name of names) {
    const [a, b] = await Promise.all([from.storage.getDocument(name, { fresh: true }), to.storage.getDocument(name, { fresh: true })]);
    if (a === undefined || b === undefined || a.etag !== b.etag || sha256(a.bytes) !== sha256(b.bytes)) fail(`the document of ${name}`);
    const [countsA, countsB] = await Promise.all([from.storage.getDownloads(name), to.storage.getDownloads(name)]);
    const countsKept = merged.has(name)
      ? Object.entries(countsA.versions).every(([version, count]) => (countsB.versions[version] ?? 0) >= count)
      : sameJson(sortKeys(countsA), sortKeys(countsB));
    if (!countsKept) fail(`the download counts of ${name}`);
  }
  const targetBlobs = new Map((await to.storage.listBlobs()).map((blob) => [`${blob.algorithm}-${blob.hex}`, blob]));
  if (targetBlobs.size < blobCount) fail(`the number of blobs (${targetBlobs.size}, not ${blobCount})`);
  for (const blob of await from.storage.listBlobs()) {
    const bytes = await to.storage.getBlob(blob.algorithm, blob.hex);
    if (bytes === undefined || sha256(bytes) !== blob.hex) fail(`blob ${blob.algorithm}-${blob.hex}`);
  }
  if (sortedTokens(await source.tokens.read()) !== sortedTokens(await target.tokens.read())) fail('the token records');
  const [keyringA, keyringB] = await Promise.all([from.signing.readKeyring(), to.signing.readKeyring()]);
  if (keyringA !== undefined && (keyringB === undefined || !sameJson(JSON.parse(keyringA), JSON.parse(keyringB)))) fail('the keyring');
  if (keyringA !== undefined) {
    const { keysVersion } = JSON.parse(keyringA) as Keyring;
    for (let version = 1; version <= keysVersion; version += 1) {
      if ((await from.signing.readKeysEnvelope(version)) !== (await to.signing.readKeysEnvelope(version))) fail(`keys envelope ${version}`);
    }
  }
  for (const key of recordKeys) {
    const [a, b] = await Promise.all([from.signing.readRecord(key), to.signing.readRecord(key)]);
    if (!sameJson(a, b)) fail(`the signed record ${key}`);
  }
}

function sortKeys(counts: DownloadCounts): { versions: [string, number][]; days: [string, number][] } {
  const sorted = (record: Record<string, number>) => Object.entries(record).sort(([a], [b]) => a.localeCompare(b));
  return { versions: sorted(counts.versions), days: sorted(counts.days) };
}
