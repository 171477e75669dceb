/**
 * host.fetch with worker-isolated plugins in real worker_threads: the shared
 * contract (test/contracts/route-serving.ts), and the body limit of what
 * crosses the worker boundary (413 for a request over it; 500 for a
 * response over it).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createPluginHost, type NodeHostOptions } from '../../src/node/host.js';
import { createFileLoader } from '../../src/node/loader/file-loader.js';
import { describeRouteServing, RESULTS, routeBundle } from '../contracts/route-serving.js';

/** Answers the length of the request body it received. */
const BODY_LENGTH = 'export async function execute(ctx) { return String((await ctx.request.arrayBuffer()).byteLength); }';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function nodeHost(options: Omit<NodeHostOptions, 'cacheDir' | 'env' | 'loader'> = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'plughub-routes-isolation-'));
  dirs.push(dir);
  return createPluginHost({ cacheDir: dir, env: {}, loader: createFileLoader({ privateDir: join(dir, 'modules') }), ...options });
}

describeRouteServing('host.fetch (worker-isolated)', 'worker', (options) => nodeHost(options));

describe('host.fetch body limits across the worker boundary', () => {
  it('answers 413 for a request body over maxRouteBodyBytes, and serves one under it', async () => {
    const host = await nodeHost({ maxRouteBodyBytes: 1024 });
    try {
      await host.loadBundle(routeBundle('echo', '1.0.0', BODY_LENGTH, [{ route: '/echo', method: 'POST', label: 'echo' }]), { isolation: 'worker' });
      const small = await host.fetch(new Request('http://h/echo', { method: 'POST', body: 'a'.repeat(1024) }));
      expect(await small.text()).toBe('1024');
      const declared = await host.fetch(new Request('http://h/echo', { method: 'POST', body: 'a'.repeat(1025), headers: { 'content-length': '1025' } }));
      expect(declared.status).toBe(413);
      expect(await declared.json()).toEqual({
        error: { code: 'E_TOO_LARGE', message: 'POST /echo: the request body exceeds the limit of 1024 bytes (Content-Length 1025)' },
      });
      const chunks = [new Uint8Array(600), new Uint8Array(600)];
      const streamed = new ReadableStream<Uint8Array>({
        pull(controller) {
          const chunk = chunks.shift();
          if (chunk) controller.enqueue(chunk);
          else controller.close();
        },
      });
      const request = new Request('http://h/echo', { method: 'POST', body: streamed, duplex: 'half' } as RequestInit);
      const response = await host.fetch(request);
      expect(response.status).toBe(413);
      expect(((await response.json()) as { error: { message: string } }).error.message).toBe(
        'POST /echo: the request body exceeds the limit of 1024 bytes (1200 bytes read)',
      );
    } finally {
      await host.close();
    }
  });

  it('answers 500 for a response body over the limit, and the worker keeps serving', async () => {
    const host = await nodeHost({ maxRouteBodyBytes: 1024 });
    try {
      await host.loadBundle(routeBundle('results', '1.0.0', RESULTS, [{ route: '/big', method: 'GET', label: 'big' }]), { isolation: 'worker' });
      const over = await host.fetch(new Request('http://h/big?size=2048'));
      expect(over.status).toBe(500);
      expect(await over.json()).toEqual({ error: { code: 'E_EXECUTE', message: 'GET /big: results@1.0.0 (big) failed' } });
      const under = await host.fetch(new Request('http://h/big?size=1000'));
      expect((await under.text()).length).toBe(1000);
    } finally {
      await host.close();
    }
  });
});
