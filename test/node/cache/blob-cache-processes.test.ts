/**
 * Several processes share one cache directory: each child (run with tsx)
 * puts the same shared blobs and its own blobs while reading the shared ones,
 * and one of them prunes meanwhile. Every read must be absent or whole and
 * valid, and the directory must end up holding only valid blobs.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createFsBlobCache } from '../../../src/node/cache/blob-cache.js';
import { tempDir } from '../helpers.js';

const worker = fileURLToPath(new URL('../fixtures/cache-worker.ts', import.meta.url));

interface WorkerReport {
  id: number;
  reads: number;
  missing: number;
  bad: number;
}

function start(dir: string, id: number, rounds: number) {
  const child = spawn(process.execPath, ['--import', 'tsx', worker, dir, String(id), String(rounds)], {
    cwd: process.cwd(),
    stdio: 'pipe',
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const lines = createInterface({ input: child.stdout });
  const output: string[] = [];
  const ready = new Promise<void>((resolve) =>
    lines.on('line', (line) => {
      output.push(line);
      if (line === 'ready') resolve();
    }),
  );
  const done = once(child, 'close').then(([code]) => {
    if (code !== 0) throw new Error(`worker ${id} exited with ${String(code)}: ${stderr}`);
    return JSON.parse(output.at(-1)!) as WorkerReport;
  });
  return { child, ready, done };
}

function go(child: ChildProcessWithoutNullStreams) {
  child.stdin.end('go\n');
}

describe('filesystem blob cache shared by several processes', () => {
  it('keeps every read whole and every stored blob valid under concurrent puts, gets and prunes', async () => {
    const dir = await tempDir();
    const workers = Array.from({ length: 4 }, (_, id) => start(dir, id, 12));
    await Promise.race([Promise.all(workers.map((w) => w.ready)), Promise.all(workers.map((w) => w.done))]);
    for (const w of workers) go(w.child);
    const reports = await Promise.all(workers.map((w) => w.done));

    for (const report of reports) {
      expect(report.bad, `worker ${report.id} read a partial or wrong blob`).toBe(0);
      expect(report.reads).toBe(12 * 8);
    }
    const cache = createFsBlobCache(dir);
    const verify = await cache.verify();
    expect(verify.corrupt).toEqual([]);
    expect(verify.checked).toBeGreaterThan(0);
    // Worker 0 may prune after the others finished, so only the reads tell that blobs were shared.
    expect(reports.reduce((sum, r) => sum + r.reads - r.missing, 0)).toBeGreaterThan(0);
    const names = await readdir(join(dir, 'blobs', 'sha256'));
    expect(names.filter((name) => name.endsWith('.tmp'))).toEqual([]);
  }, 60_000);
});
