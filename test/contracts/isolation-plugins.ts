/**
 * Plugin bundles for the worker-isolation tests, shared by the Node
 * (worker_threads) and Chromium (module Web Worker) suites: plain ES modules
 * that use only web-standard APIs, so the same bytes run in both.
 */

/** Echoes what its context carries and counts the calls this module instance served. */
export const ECHO = `let calls = 0;
export default {
  execute(ctx) {
    calls += 1;
    const values = ctx.get('values');
    return {
      calls,
      who: ctx.get('who'),
      values,
      label: ctx.label,
      hasDeadline: typeof ctx.deadline === 'number',
      plugin: ctx.plugin.name + '@' + ctx.plugin.version,
    };
  },
};
`;

/** Calls the host API along nested paths and logs through ctx.log. */
export const HOST_CALLER = `export async function execute(ctx) {
  const sum = await ctx.host.math.add(2, 3);
  const stored = await ctx.host.store.get(ctx.get('key'));
  ctx.log.info('stored', stored);
  let failure;
  try {
    await ctx.host.store.fail('nope');
  } catch (error) {
    failure = error.name + ': ' + error.message;
  }
  return { sum, stored, failure };
}
`;

/**
 * Spins forever when asked (after telling the host), with no await, so its
 * signal can never be seen; otherwise reports its calls and activations.
 */
export const LOOPS = `let calls = 0;
const activations = [];
export function activate(ctx, state) {
  activations.push(state === undefined ? 'no state' : state);
}
export function execute(ctx) {
  calls += 1;
  if (ctx.get('loop')) {
    ctx.host.note('looping');
    while (true) {}
  }
  return { calls, activations };
}
`;

/** Waits until its context aborts, tells the host why, and resolves. */
export const COOPERATIVE = `export function execute(ctx) {
  return new Promise((resolve) => {
    ctx.signal.addEventListener('abort', async () => {
      await ctx.host.note('aborted: ' + ctx.signal.reason.name);
      resolve('stopped');
    });
    ctx.host.note('waiting');
  });
}
`;

/** A plugin that answers `alive, call N` and, when asked to crash, runs `crash` and never answers. */
export function crashing(crash: string): string {
  return `let calls = 0;
export function execute(ctx) {
  calls += 1;
  if (!ctx.get('crash')) return 'alive, call ' + calls;
  ${crash}
  return new Promise(() => {});
}
`;
}

/** Throws from a timer (an uncaught error in its worker) when asked to crash. */
export const CRASHES_IN_TIMER = crashing("setTimeout(() => { throw new TypeError('the timer blew up'); });");

/** Leaves a rejected promise unhandled when asked to crash. */
export const CRASHES_BY_REJECTION = crashing("Promise.reject(new Error('nobody caught me'));");

/** Keeps a counter across activate, execute and deactivate; state crosses both ways. */
export const STATEFUL = `let count = 0;
export default {
  activate(ctx, state) { count = state?.count ?? 0; },
  execute() { count += 1; return count; },
  deactivate() { return { count }; },
};
`;

/** Throws a plain error, or returns a value structured clone refuses. */
export const MISBEHAVES = `export function execute(ctx) {
  if (ctx.get('throw')) throw new RangeError('out of range: ' + ctx.get('throw'));
  return { callback() {} };
}
`;
