/**
 * Helpers for the CLI tests: `cli(argv)` runs the plughub CLI in this process
 * with a captured CliIO (an empty environment unless given, a temporary cwd),
 * and `inProcessRegistry()` serves a real registry (memory storage) on
 * 127.0.0.1 port 0 with an admin token, closed in afterEach.
 */
import { afterEach } from 'vitest';
import { createMemoryStorage, createMemoryTokenStore, createRegistry, serveNode, type NodeServer, type RegistryLimits } from '../../registry-server/index.js';
import type { CliIO } from '../../src/node/cli/command.js';
import { runCli } from '../../src/node/cli/main.js';

/** What a CLI run printed and its exit code. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** How to run the CLI: where, with which environment, and whether stderr is a terminal. */
export interface CliOptions {
  cwd: string;
  env?: Record<string, string | undefined>;
  tty?: boolean;
}

/** A CliIO whose output is collected in strings. */
export function captureIo(options: CliOptions): { io: CliIO; stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  const io: CliIO = {
    stdout: { write: (chunk: string) => (out += chunk), isTTY: options.tty ?? false },
    stderr: { write: (chunk: string) => (err += chunk), isTTY: options.tty ?? false },
    env: options.env ?? {},
    cwd: options.cwd,
  };
  return { io, stdout: () => out, stderr: () => err };
}

/** Runs `plughub <argv>` in this process. */
export async function cli(argv: string[], options: CliOptions): Promise<CliResult> {
  const captured = captureIo(options);
  const code = await runCli(argv, captured.io);
  return { code, stdout: captured.stdout(), stderr: captured.stderr() };
}

const servers = new Set<NodeServer>();

afterEach(async () => {
  await Promise.all([...servers].map((server) => server.close()));
  servers.clear();
});

/** A registry on a free loopback port (with the given upload limits), an admin token and one that may publish only `other`. */
export async function inProcessRegistry(
  limits: Partial<RegistryLimits> = {},
): Promise<{ url: string; token: string; otherToken: string; close(): Promise<void> }> {
  const tokens = createMemoryTokenStore();
  const { token } = await tokens.create({ admin: true, publish: [] });
  const { token: otherToken } = await tokens.create({ admin: false, publish: ['other'] });
  const server = await serveNode(createRegistry({ storage: createMemoryStorage(), tokens, limits }), { port: 0, host: '127.0.0.1', closeGraceMs: 100 });
  servers.add(server);
  return {
    url: server.url,
    token,
    otherToken,
    async close() {
      servers.delete(server);
      await server.close();
    },
  };
}
