/**
 * A progress bar for long downloads and uploads, drawn on stderr only where
 * a person watches a terminal that can redraw a line (progressWanted): not
 * when stderr is piped or captured, not on a `TERM=dumb` terminal, not
 * under CI (logs keep every redraw), and not with `--no-progress`. So
 * scripts, CI logs and `--json` consumers never see control characters.
 * It also wraps fetch and byte streams so the registry client's transfers
 * can report to it.
 */
import type { FetchLike } from '../../core/ports.js';
import type { CliIO } from './command.js';
import { formatBytes } from './output.js';
import { terminalLine } from './terminal-text.js';

/** A progress report for one transfer. */
export interface Progress {
  /** `received` bytes so far, of `total` when known. */
  update(received: number, total?: number): void;
  /** Erases the bar. */
  done(): void;
}

const WIDTH = 24;
/** Redraw at most this often (ms), plus on the first and last byte. */
const INTERVAL_MS = 80;

const silent: Progress = { update() {}, done() {} };

/** The option definition of commands that show progress: `--no-progress` turns the bar off. */
export const progressOption = { 'no-progress': { type: 'boolean' } } as const;

/** True when CI names a continuous-integration run: set and not empty, `false` or `0` (the convention of most CI tools). */
function underCi(env: CliIO['env']): boolean {
  const value = env.CI?.trim().toLowerCase();
  return value !== undefined && value !== '' && value !== 'false' && value !== '0';
}

/**
 * Whether to draw a progress bar: stderr is a terminal, TERM is not `dumb`
 * (a terminal that cannot erase a line), CI is not set, and the command was
 * not given `--no-progress` (`disabled`). NO_COLOR is not consulted: the bar
 * has no colour, and NO_COLOR asks for no colour, not for no progress.
 *
 * @example progressWanted({ ...io, env: { CI: 'true' } }) // false
 */
export function progressWanted(io: CliIO, disabled = false): boolean {
  return !disabled && io.stderr.isTTY === true && io.env.TERM !== 'dumb' && !underCi(io.env);
}

/**
 * A progress bar labelled `label` on the terminal, or a no-op when no bar
 * is wanted (progressWanted; `disabled` is `--no-progress`).
 *
 * @example
 * const progress = createProgress(io, 'downloading hello@1.0.0');
 * progress.update(512, 2048); progress.done();
 */
export function createProgress(io: CliIO, label: string, disabled = false): Progress {
  if (!progressWanted(io, disabled)) return silent;
  const safeLabel = terminalLine(label); // the label may name what a registry said; only the bar's own escapes are drawn
  let drawn = false;
  let last = 0;
  let shown = '';
  return {
    update(received, total) {
      const now = Date.now();
      const finished = total !== undefined && received >= total;
      if (drawn && !finished && now - last < INTERVAL_MS) return;
      const line = render(safeLabel, received, total);
      if (line === shown) return;
      last = now;
      shown = line;
      drawn = true;
      io.stderr.write(`\r\x1b[2K${line}`);
    },
    done() {
      if (drawn) io.stderr.write('\r\x1b[2K');
      drawn = false;
      shown = '';
    },
  };
}

function render(label: string, received: number, total: number | undefined): string {
  if (total === undefined || total <= 0) return `${label} ${formatBytes(received)}`;
  const ratio = Math.min(1, received / total);
  const filled = Math.round(ratio * WIDTH);
  const bar = `${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}`;
  return `${label} [${bar}] ${String(Math.round(ratio * 100)).padStart(3)}% ${formatBytes(received)}/${formatBytes(total)}`;
}

/**
 * Wraps bytes in a stream that reports each chunk as it is read (for an
 * upload body). Chunks are at most 64 KiB so the bar moves smoothly.
 */
export function streamWithProgress(bytes: Uint8Array, progress: Progress): ReadableStream<Uint8Array> {
  const chunk = 64 * 1024;
  let offset = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= bytes.byteLength) {
        progress.update(bytes.byteLength, bytes.byteLength);
        controller.close();
        return;
      }
      const next = bytes.subarray(offset, Math.min(offset + chunk, bytes.byteLength));
      offset += next.byteLength;
      controller.enqueue(next);
      progress.update(offset, bytes.byteLength);
    },
  });
}

/**
 * A fetch that reports the body of every blob download (`/v1/blobs/…`) to
 * a progress bar labelled by `label(url)` when a bar is wanted
 * (progressWanted; `disabled` is `--no-progress`); otherwise the plain
 * global fetch. Used by `plughub run`, whose downloads happen inside the host.
 */
export function fetchWithProgress(io: CliIO, label: (url: string) => string, disabled = false): FetchLike {
  const base: FetchLike = (input, init) => fetch(input, init);
  if (!progressWanted(io, disabled)) return base;
  return async (input, init) => {
    const response = await base(input, init);
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (!response.ok || !response.body || !new URL(url).pathname.includes('/v1/blobs/')) return response;
    const header = response.headers.get('content-length');
    const total = header !== null && /^\d+$/.test(header) ? Number(header) : undefined;
    const progress = createProgress(io, label(url), disabled);
    let received = 0;
    const counted = response.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          received += chunk.byteLength;
          progress.update(received, total);
          controller.enqueue(chunk);
        },
        flush: () => progress.done(),
      }),
    );
    return new Response(counted, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
}
