import { defineConfig } from 'vitest/config';

/**
 * Test projects:
 * - node: core, Node adapter, registry server, end-to-end and package checks in Node,
 *   and the property-based fuzz suite (test/fuzz).
 * - happy-dom: the same core tests plus the browser adapter, in a DOM-like environment.
 * - chromium: real-browser tests driving Debian's headless Chromium (test/chromium).
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'node',
          environment: 'node',
          include: ['test/{core,node,registry-server,e2e,package,fuzz}/**/*.test.ts'],
          setupFiles: ['test/setup.ts'],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'happy-dom',
          environment: 'happy-dom',
          include: ['test/{core,browser}/**/*.test.ts'],
          setupFiles: ['test/setup.ts'],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'chromium',
          environment: 'node',
          include: ['test/chromium/**/*.test.ts'],
          setupFiles: ['test/setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
