/**
 * The parent's side of a soak child: `fork` with --expose-gc and tsx, the
 * first `ready` message awaited, and requests (`sample`, `snapshot`, `stop`)
 * answered by id.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { MemorySample } from './child.js';

/** A running child of the soak benchmark. */
export interface SoakChild {
  name: string;
  process: ChildProcess;
  ready: Record<string, unknown>;
  ask<T>(message: { type: 'sample' } | { type: 'snapshot'; dir: string } | { type: 'stop' }): Promise<T>;
  sample(): Promise<MemorySample>;
}

/** Starts `bench/soak/<script>.ts` with `args` (and `env` added to this process's environment) and waits for its `ready`. */
export async function startChild(name: string, script: string, args: string[], env: Record<string, string> = {}): Promise<SoakChild> {
  const path = fileURLToPath(new URL(`./${script}.ts`, import.meta.url));
  const child = fork(path, args, {
    execArgv: ['--expose-gc', '--import', 'tsx'],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const waiting = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`${name} exited with code ${code} before it was ready`));
    child.once('exit', onExit);
    child.on('message', (message: { type: string; id?: number; value?: unknown; error?: string }) => {
      if (message.type === 'ready') {
        child.off('exit', onExit);
        resolve(message as Record<string, unknown>);
      } else if (message.type === 'reply' && message.id !== undefined) {
        const pending = waiting.get(message.id);
        waiting.delete(message.id);
        if (message.error) pending?.reject(new Error(`${name}: ${message.error}`));
        else pending?.resolve(message.value);
      }
    });
  });
  child.on('exit', (code) => {
    for (const pending of waiting.values()) pending.reject(new Error(`${name} exited with code ${code}`));
    waiting.clear();
  });
  const ask = <T>(message: object): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++;
      waiting.set(id, { resolve: resolve as (value: unknown) => void, reject });
      child.send({ ...message, id });
    });
  return { name, process: child, ready, ask, sample: () => ask<MemorySample>({ type: 'sample' }) };
}
