/**
 * What every process of the soak benchmark shares: it answers the parent's
 * messages over the IPC channel. `sample` forces full GCs (the process runs
 * with --expose-gc) and replies with `process.memoryUsage()` plus what the
 * process adds (`extra`); `snapshot` writes a V8 heap snapshot and replies
 * with its path; `stop` runs the process's own shutdown and then exits.
 */
import { getHeapSpaceStatistics, writeHeapSnapshot } from 'node:v8';

/** What a child answers to `sample`. */
export interface MemorySample {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  /** Bytes of V8's young generation (new space and its large objects) in memory: V8 grows it with the allocation rate, up to a bound. */
  youngGeneration: number;
  extra?: Record<string, number>;
}

/** A message from the parent. */
export type ParentMessage = { type: 'sample'; id: number } | { type: 'snapshot'; id: number; dir: string } | { type: 'stop'; id: number };

const gc = (globalThis as { gc?: () => void }).gc;

/** Full GCs until the heap stops shrinking, then the memory figures. */
export async function settledMemory(): Promise<MemorySample> {
  if (!gc) throw new Error('run the soak children with node --expose-gc');
  let last = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 5; round++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
    const heap = process.memoryUsage().heapUsed;
    if (round >= 1 && heap >= last * 0.998) break;
    last = heap;
  }
  const { rss, heapUsed, external, arrayBuffers } = process.memoryUsage();
  const youngGeneration = getHeapSpaceStatistics()
    .filter((space) => space.space_name === 'new_space' || space.space_name === 'new_large_object_space')
    .reduce((sum, space) => sum + space.physical_space_size, 0);
  return { rss, heapUsed, external, arrayBuffers, youngGeneration };
}

/** Sends a message to the parent. */
export function tell(message: unknown): void {
  process.send?.(message);
}

/**
 * Answers the parent's `sample`, `snapshot` and `stop` messages; `pause`
 * brings the child's work to a point where it is the same at every sample
 * and holds it there until the sample is taken, `extra` adds figures to a
 * sample, `stop` returns what the child reports before it exits.
 */
export function serveParent(handlers: {
  extra?: () => Promise<Record<string, number>>;
  pause?: () => Promise<() => void>;
  stop: () => Promise<unknown>;
}): void {
  process.on('message', (message: ParentMessage) => {
    void (async () => {
      try {
        if (message.type === 'sample') {
          const resume = handlers.pause ? await handlers.pause() : () => undefined;
          try {
            const extra = handlers.extra ? await handlers.extra() : undefined;
            tell({ type: 'reply', id: message.id, value: { ...(await settledMemory()), extra } });
          } finally {
            resume();
          }
        } else if (message.type === 'snapshot') {
          gc?.();
          tell({ type: 'reply', id: message.id, value: writeHeapSnapshot(`${message.dir}/soak-${process.pid}-${Date.now()}.heapsnapshot`) });
        } else if (message.type === 'stop') {
          const report = await handlers.stop();
          tell({ type: 'reply', id: message.id, value: report });
          process.disconnect?.();
        }
      } catch (error) {
        tell({ type: 'reply', id: message.id, error: String((error as Error)?.stack ?? error) });
      }
    })();
  });
}
