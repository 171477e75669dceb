/**
 * A route call's context makes its AbortSignal only when the plugin reads
 * it: a call that never does makes no AbortController, yet still ends as
 * soon as the request aborts, its deadline passes or the version unloads;
 * a signal read during or after the call aborts as before.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createHost, type PluginHost } from '../../../src/core/host/create.js';
import { routeBundle } from '../../contracts/route-serving.js';

/** Routes that never read ctx.signal, and one that keeps it for later. */
const PLUGIN = `let kept;
export function execute(ctx) {
  switch (ctx.label) {
    case 'plain': return 'plain';
    case 'hangs': ctx.host.started(); return new Promise(() => {});
    case 'keeps': kept = ctx.signal; return String(kept.aborted);
    case 'kept': return { aborted: kept.aborted, reason: kept.reason.message };
    case 'reads': return String(ctx.signal.aborted);
  }
}
`;

const ROUTES = ['plain', 'hangs', 'keeps', 'kept', 'reads'].map((label) => ({ route: `/${label}`, method: 'GET', label }));

let host: PluginHost<{ started(): void }> | undefined;

afterEach(async () => {
  await host?.close();
  host = undefined;
});

async function start(options: { routeTimeoutMs?: number } = {}): Promise<{ host: PluginHost<{ started(): void }>; started: () => Promise<void> }> {
  let notify: () => void = () => {};
  const target = createHost<{ started(): void }>({ api: { started: () => notify() }, ...options });
  host = target;
  await target.loadBundle(routeBundle('quiet', '1.0.0', PLUGIN, ROUTES));
  const started = () => new Promise<void>((resolve) => (notify = resolve));
  return { host: target, started };
}

/** Counts the AbortControllers made while `work` runs. */
async function abortControllersMadeBy(work: () => Promise<unknown>): Promise<number> {
  const original = globalThis.AbortController;
  let count = 0;
  globalThis.AbortController = class extends original {
    constructor() {
      super();
      count += 1;
    }
  };
  try {
    await work();
  } finally {
    globalThis.AbortController = original;
  }
  return count;
}

/** A Request that counts the reads of its signal. */
class CountingRequest extends Request {
  signalReads = 0;
  override get signal(): AbortSignal {
    this.signalReads += 1;
    return super.signal;
  }
}

describe('host.fetch: a route call’s signal, made when read', () => {
  it('makes no AbortController for a call whose plugin never reads ctx.signal', async () => {
    const { host } = await start();
    const request = new Request('http://h/plain');
    let text = '';
    const made = await abortControllersMadeBy(async () => {
      text = await (await host.fetch(request)).text();
    });
    expect(text).toBe('plain');
    expect(made).toBe(0);
  });

  it('never reads the request’s signal for a call whose plugin answers at once', async () => {
    const { host } = await start();
    const request = new CountingRequest('http://h/plain');
    expect(await (await host.fetch(request)).text()).toBe('plain');
    expect(request.signalReads).toBe(0);
  });

  it('reads the request’s signal once the plugin reads ctx.signal, and sees that the request aborted', async () => {
    const { host } = await start();
    const controller = new AbortController();
    controller.abort(new Error('the client went away'));
    const request = new CountingRequest('http://h/reads', { signal: controller.signal });
    const response = await host.fetch(request);
    expect(response.status).toBe(503);
    expect(request.signalReads).toBeGreaterThan(0);
  });

  it('a signal the plugin kept aborts once the call ended, with the reason that says so', async () => {
    const { host } = await start();
    expect(await (await host.fetch(new Request('http://h/keeps'))).text()).toBe('false');
    expect(await (await host.fetch(new Request('http://h/kept'))).json()).toEqual({ aborted: true, reason: 'quiet@1.0.0: the call ended' });
  });

  it('answers 503 when the request aborts, though the plugin never read ctx.signal', async () => {
    const { host, started } = await start();
    const controller = new AbortController();
    const running = started();
    const pending = host.fetch(new Request('http://h/hangs', { signal: controller.signal }));
    await running;
    controller.abort(new Error('the client went away'));
    expect((await pending).status).toBe(503);
  });

  it('answers 504 at the route deadline, though the plugin never read ctx.signal', async () => {
    const { host } = await start({ routeTimeoutMs: 20 });
    const response = await host.fetch(new Request('http://h/hangs'));
    expect(response.status).toBe(504);
  });

  it('answers 503 when the version unloads during the call, though the plugin never read ctx.signal', async () => {
    const { host, started } = await start();
    const running = started();
    const pending = host.fetch(new Request('http://h/hangs'));
    await running;
    await host.unload('quiet');
    const response = await pending;
    expect(response.status).toBe(503);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('E_UNLOADED');
  });
});
