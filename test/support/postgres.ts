/**
 * Throw-away PostgreSQL clusters for tests: `startPostgres()` runs `initdb`
 * in a temp folder, starts `postgres` on a free port of 127.0.0.1 (its unix
 * socket in the same folder), waits for its "ready to accept connections" log
 * line and creates a database. `stop()` shuts it down (fast shutdown, awaited)
 * and removes the folder. When the machine runs tests as root, the cluster
 * runs as the `postgres` user (PostgreSQL refuses root). `postgresMissing`
 * says why no cluster can be started here (test files skip with it).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';

/** A running test cluster with one database made for the caller. */
export interface TestPostgres {
  /** postgres://postgres@127.0.0.1:<port>/<database> */
  url: string;
  /** Creates another empty database in the same cluster; resolves to its URL. */
  createDatabase(): Promise<string>;
  /** Stops the cluster (fast shutdown, awaited) and removes its folder. */
  stop(): Promise<void>;
}

const READY_LINE = 'database system is ready to accept connections';
const START_TIMEOUT_MS = 30_000;

/** The folder of PostgreSQL's server binaries: $PLUGHUB_PG_BIN, or the newest /usr/lib/postgresql/<n>/bin. */
function findBinaries(): string | undefined {
  const fromEnvironment = process.env.PLUGHUB_PG_BIN;
  if (fromEnvironment) return existsSync(join(fromEnvironment, 'initdb')) && existsSync(join(fromEnvironment, 'postgres')) ? fromEnvironment : undefined;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((entry) => /^\d+$/.test(entry))
    .sort((a, b) => Number(b) - Number(a));
  for (const version of versions) {
    const bin = join(root, version, 'bin');
    if (existsSync(join(bin, 'initdb')) && existsSync(join(bin, 'postgres'))) return bin;
  }
  return undefined;
}

/** The uid and gid of the `postgres` user, when tests run as root; undefined otherwise. */
function findServerUser(): { uid: number; gid: number } | undefined | string {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    return 'tests run as root and there is no `postgres` user to run the server as';
  }
}

const binaries = findBinaries();
const serverUser = binaries === undefined ? undefined : findServerUser();

/** Why PostgreSQL cannot be started here, or undefined when it can. */
export const postgresMissing: string | undefined =
  binaries === undefined
    ? `PostgreSQL server binaries (initdb, postgres) not found in ${process.env.PLUGHUB_PG_BIN || '/usr/lib/postgresql/<version>/bin'}; install Debian’s \`postgresql\` or set PLUGHUB_PG_BIN`
    : typeof serverUser === 'string'
      ? serverUser
      : undefined;

/**
 * Says on stderr (which no test setup captures) that the tests of `what` are
 * skipped and why; call it at the top of a test file that skips without PostgreSQL.
 */
export function reportPostgresMissing(what: string): void {
  if (postgresMissing !== undefined) process.stderr.write(`${what} skipped: ${postgresMissing}\n`);
}

/** A port that was free on 127.0.0.1 a moment ago. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Runs a binary to completion (as the server user when root); rejects with its output on failure. */
function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const user = typeof serverUser === 'object' ? serverUser : {};
    const child = spawn(command, args, { ...user, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`${command} exited with ${code}: ${output.slice(-2000)}`));
    });
  });
}

/** Starts `postgres` and resolves once it logged that it accepts connections; rejects when it exits first. */
function startServer(dataDir: string, socketDir: string, port: number): Promise<ChildProcess> {
  const user = typeof serverUser === 'object' ? serverUser : {};
  const args = ['-D', dataDir, '-p', String(port), '-k', socketDir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=on'];
  args.push('-c', 'max_connections=200');
  const child = spawn(join(binaries as string, 'postgres'), args, { ...user, stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`postgres did not become ready within ${START_TIMEOUT_MS} ms: ${log.slice(-2000)}`));
    }, START_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      log = (log + chunk.toString()).slice(-8000);
      if (log.includes(READY_LINE)) {
        clearTimeout(timer);
        child.stderr?.off('data', onData);
        child.stderr?.resume();
        resolve(child);
      }
    };
    child.stderr?.on('data', onData);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`postgres exited (${code ?? signal}) before it was ready: ${log.slice(-2000)}`));
    });
  });
}

/** Starts `postgres` on a free port, trying another port when the chosen one was taken meanwhile. */
async function startOnFreePort(dataDir: string, socketDir: string): Promise<{ server: ChildProcess; port: number }> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      return { server: await startServer(dataDir, socketDir, port), port };
    } catch (error) {
      if (attempt >= 3 || !String(error).includes('could not bind')) throw error;
    }
  }
}

let databases = 0;

/**
 * Starts a fresh cluster in a temp folder and creates a database in it.
 * @example
 * const pg = await startPostgres();
 * const store = await createPgStorage({ url: pg.url });
 * // … await store.close(); await pg.stop();
 */
export async function startPostgres(): Promise<TestPostgres> {
  if (postgresMissing !== undefined) throw new Error(postgresMissing);
  const folder = mkdtempSync(join(tmpdir(), 'plughub-pg-'));
  const remove = () => rmSync(folder, { recursive: true, force: true });
  if (typeof serverUser === 'object') chownSync(folder, serverUser.uid, serverUser.gid);
  const dataDir = join(folder, 'data');
  let server: ChildProcess | undefined;
  const killOnExit = () => {
    server?.kill('SIGKILL');
    remove();
  };
  try {
    await run(join(binaries as string, 'initdb'), ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
    const started = await startOnFreePort(dataDir, folder);
    const running = started.server;
    server = running;
    process.once('exit', killOnExit);
    const admin = postgres({ host: '127.0.0.1', port: started.port, user: 'postgres', database: 'postgres', max: 1, onnotice: () => {} });
    const createDatabase = async () => {
      databases += 1;
      const database = `plughub_test_${process.pid}_${databases}`;
      await admin.unsafe(`CREATE DATABASE ${database}`);
      return `postgres://postgres@127.0.0.1:${started.port}/${database}`;
    };
    const url = await createDatabase();
    return {
      url,
      createDatabase,
      async stop() {
        await admin.end({ timeout: 5 });
        if (running.exitCode === null && running.signalCode === null) {
          const exited = new Promise((resolve) => running.once('exit', resolve));
          running.kill('SIGINT');
          await exited;
        }
        process.off('exit', killOnExit);
        remove();
      },
    };
  } catch (error) {
    server?.kill('SIGKILL');
    process.off('exit', killOnExit);
    remove();
    throw error;
  }
}
