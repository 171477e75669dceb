import { afterEach, vi } from 'vitest';

/** Fails a test that writes to console.warn or console.error: noise hides real problems. */
const methods = ['warn', 'error'] as const;
const calls: string[] = [];
for (const method of methods) {
  vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
    calls.push(`console.${method}: ${args.map(String).join(' ')}`);
  });
}

afterEach(() => {
  if (calls.length > 0) {
    const seen = calls.splice(0);
    throw new Error(`unexpected console output:\n${seen.join('\n')}`);
  }
});
