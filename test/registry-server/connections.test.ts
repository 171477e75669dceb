/**
 * Connections held open against the registry's node:http bridge: a socket
 * that sends no request, or a request head too slowly, is closed within the
 * headers timeout; an idle keep-alive socket within the keep-alive timeout;
 * past maxConnections a new socket is admitted by closing the one idle the
 * longest, or closed at once when every other is in a request, so one client
 * holding every connection with a keep-alive GET now and then locks nobody
 * out; one address holds at most maxConnectionsPerAddress; and an error
 * accepting a connection (EMFILE) is logged while the server keeps serving. Child processes with a low descriptor limit show the
 * cap keeping the server usable under a flood of sockets, and the server
 * surviving when the descriptors do run out.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { get as httpGet, type IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { addressKey, defaultMaxConnections } from '../../registry-server/node/limits.js';
import type { RegistryLogEntry } from '../../registry-server/index.js';
import { onCleanup, tempDir } from './helpers.js';
import { ROOT } from './processes.js';
import { serve, servedRegistry } from './socket-helpers.js';

/**
 * Opens a raw TCP connection to the server and resolves once it is connected;
 * `from` is the local address to connect from (any of 127.0.0.0/8 reaches a
 * server on 127.0.0.1, so a test can be several clients).
 */
async function openSocket(url: string, from?: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  const socket = connect({ host: hostname, port: Number(port), ...(from === undefined ? {} : { localAddress: from }) });
  socket.on('error', () => undefined);
  onCleanup(() => void socket.destroy());
  await once(socket, 'connect');
  return socket;
}

/**
 * Resolves with the milliseconds until the server closes the socket; rejects
 * when it stays open past `limitMs`. Reads (and drops) what the server sends
 * meanwhile, such as a 408: a socket nobody reads never sees the end of its
 * stream, so it would never close.
 */
function closedWithin(socket: Socket, limitMs: number): Promise<number> {
  const started = performance.now();
  socket.resume();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the socket was still open after ${limitMs} ms`)), limitMs);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(performance.now() - started);
    });
  });
}

/** Sends one keep-alive GET on a raw socket and resolves with the response head's status line. */
async function rawGet(socket: Socket, path: string): Promise<string> {
  let text = '';
  const answered = new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      text += chunk.toString('latin1');
      const head = text.indexOf('\r\n\r\n');
      const length = /content-length: (\d+)/i.exec(text);
      if (head !== -1 && length !== null && text.length >= head + 4 + Number(length[1])) {
        socket.off('data', onData);
        resolve(text.slice(0, text.indexOf('\r\n')));
      }
    };
    socket.on('data', onData);
    socket.once('close', () => reject(new Error(`the server closed the socket; it had sent ${JSON.stringify(text)}`)));
  });
  socket.write(`GET ${path} HTTP/1.1\r\nHost: registry.test\r\n\r\n`);
  return answered;
}

/** One GET /healthz on a connection of its own; resolves to the status. */
async function health(url: string): Promise<number> {
  const request = httpGet(`${url}/healthz`, { agent: false });
  const [response] = (await once(request, 'response')) as [IncomingMessage];
  response.resume();
  await once(response, 'end');
  return response.statusCode ?? 0;
}

describe('idle connections', () => {
  it('closes a socket that sends nothing, or a request head too slowly, within headersTimeoutMs', async () => {
    const registry = await servedRegistry({ driver: 'memory' }, { headersTimeoutMs: 400 });
    const silent = await openSocket(registry.url);
    const elapsed = await closedWithin(silent, 3000);
    expect(elapsed).toBeGreaterThanOrEqual(350);
    const slow = await openSocket(registry.url);
    slow.write('GET /healthz HTTP/1.1\r\nHost: registry.test\r\n');
    const trickle = setInterval(() => slow.write('X'), 50);
    try {
      expect(await closedWithin(slow, 3000)).toBeGreaterThanOrEqual(350);
    } finally {
      clearInterval(trickle);
    }
    expect(await health(registry.url)).toBe(200);
  });

  it('closes an idle keep-alive socket within keepAliveTimeoutMs of its last answer', async () => {
    const registry = await servedRegistry({ driver: 'memory' }, { keepAliveTimeoutMs: 300 });
    const socket = await openSocket(registry.url);
    expect(await rawGet(socket, '/healthz')).toBe('HTTP/1.1 200 OK');
    expect(await rawGet(socket, '/v1/plugins')).toBe('HTTP/1.1 200 OK');
    const elapsed = await closedWithin(socket, 3000);
    expect(elapsed).toBeGreaterThanOrEqual(250);
  });

  it('closes a socket silent both ways for idleTimeoutMs while its request is answered: a stalled upload, a handler that never answers', async () => {
    const registry = await servedRegistry({ driver: 'memory' }, { idleTimeoutMs: 400 });
    const upload = await openSocket(registry.url);
    const head = `PUT /v1/plugins/hello/1.0.0 HTTP/1.1\r\nHost: registry.test\r\nAuthorization: Bearer ${registry.adminToken}\r\nContent-Type: application/gzip\r\nContent-Length: 100000\r\n\r\n`;
    upload.write(`${head}0123456789`);
    expect(await closedWithin(upload, 5000)).toBeGreaterThanOrEqual(350);
    const { server } = await serve({ fetch: () => new Promise<Response>(() => undefined) }, { idleTimeoutMs: 400 });
    const waiting = await openSocket(server.url);
    waiting.write('GET /anything HTTP/1.1\r\nHost: registry.test\r\n\r\n');
    expect(await closedWithin(waiting, 5000)).toBeGreaterThanOrEqual(350);
    expect(await health(registry.url)).toBe(200);
  });
});

describe('slow readers', () => {
  it('closes a connection whose client stops reading a response, once sendTimeoutMs (and the allowance for its size) is up', async () => {
    const registry = await servedRegistry({ driver: 'memory' }, { sendTimeoutMs: 400, minSendBytesPerSecond: 1024 * 1024 * 1024 });
    const bytes = new Uint8Array(16 * 1024 * 1024);
    for (let i = 0; i < bytes.length; i += 65_536) crypto.getRandomValues(bytes.subarray(i, i + 65_536));
    const hex = Buffer.from(await crypto.subtle.digest('SHA-256', bytes)).toString('hex');
    await registry.storage.putBlob('sha256', hex, bytes);
    const accepted = once(registry.server.server, 'connection') as Promise<[Socket]>;
    const socket = await openSocket(registry.url);
    const [served] = await accepted;
    socket.pause();
    socket.write(`GET /v1/blobs/sha256/${hex} HTTP/1.1\r\nHost: registry.test\r\n\r\n`);
    const started = performance.now();
    // The client never reads: the server's side of the connection must close on its own.
    await once(served, 'close');
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(350);
    expect(elapsed).toBeLessThan(5000);
    expect(await health(registry.url)).toBe(200);
  });
});

describe('maxConnections', () => {
  it('closes connection N+1 at once while the first N are all in a request, and serves new ones once they close', async () => {
    const registry = await servedRegistry({ driver: 'memory' }, { maxConnections: 3 });
    const held = [await openSocket(registry.url), await openSocket(registry.url), await openSocket(registry.url)];
    for (const socket of held) socket.write('GET /healthz HTTP/1.1\r\nHost: registry.test\r\n');
    const extra = await openSocket(registry.url);
    await closedWithin(extra, 2000);
    for (const socket of held) expect(socket.closed).toBe(false);
    // Not events.once: the server's socket of a request cut mid-head emits 'error' (a parse error) before 'close'.
    const gone = new Promise((resolve) => registry.sockets[0]!.once('close', resolve));
    held[0]!.destroy();
    await gone;
    expect(await health(registry.url)).toBe(200);
  });

  it('admits a new connection past the cap by closing the connection idle the longest, not the busy ones', async () => {
    const registry = await servedRegistry({ driver: 'memory' }, { maxConnections: 4 });
    const idle = [await openSocket(registry.url, '127.0.0.2'), await openSocket(registry.url, '127.0.0.3')];
    for (const socket of idle) expect(await rawGet(socket, '/healthz')).toBe('HTTP/1.1 200 OK');
    expect(await rawGet(idle[0]!, '/healthz')).toBe('HTTP/1.1 200 OK');
    const busy = [await openSocket(registry.url, '127.0.0.4'), await openSocket(registry.url, '127.0.0.4')];
    for (const socket of busy) socket.write('GET /healthz HTTP/1.1\r\nHost: registry.test\r\n');
    const newcomer = await openSocket(registry.url, '127.0.0.5');
    await closedWithin(idle[1]!, 2000);
    expect(await rawGet(newcomer, '/healthz')).toBe('HTTP/1.1 200 OK');
    expect(idle[0]!.closed).toBe(false);
    for (const socket of busy) expect(socket.closed).toBe(false);
  });

  it('keeps serving newcomers while one client holds every connection with a keep-alive GET now and then', async () => {
    const registry = await servedRegistry({ driver: 'memory' }, { maxConnections: 8 });
    const hog = await Promise.all(Array.from({ length: 8 }, (_, i) => openSocket(registry.url, `127.0.0.${10 + (i % 2)}`)));
    for (const socket of hog) expect(await rawGet(socket, '/healthz')).toBe('HTTP/1.1 200 OK');
    for (let round = 0; round < 5; round++) {
      const live = hog.filter((socket) => !socket.closed && !socket.readableEnded);
      await Promise.all(live.map((socket) => rawGet(socket, '/healthz').catch(() => 'closed')));
      expect(await health(registry.url)).toBe(200);
    }
  });

  it('defaults to 1000, fewer when the open-file limit needs it (3/4 of it, and 64 left over)', () => {
    expect([20_000, 1024, 256, 128, 64, 10].map((limit) => defaultMaxConnections(limit))).toEqual([1000, 768, 192, 64, 1, 1]);
    const soft = Number(/^Max open files\s+(\d+)/m.exec(process.platform === 'linux' ? readFileSync('/proc/self/limits', 'utf8') : '')?.[1] ?? Number.NaN);
    expect(defaultMaxConnections()).toBe(Number.isNaN(soft) ? 1000 : defaultMaxConnections(soft));
  });
});

describe('maxConnectionsPerAddress', () => {
  it("closes a client's connection past its own cap at once, while other clients connect", async () => {
    const registry = await servedRegistry({ driver: 'memory' }, { maxConnectionsPerAddress: 3 });
    const own = [await openSocket(registry.url, '127.0.0.2'), await openSocket(registry.url, '127.0.0.2'), await openSocket(registry.url, '127.0.0.2')];
    for (const socket of own) expect(await rawGet(socket, '/healthz')).toBe('HTTP/1.1 200 OK');
    const fourth = await openSocket(registry.url, '127.0.0.2');
    await closedWithin(fourth, 2000);
    for (const socket of own) expect(socket.closed).toBe(false);
    expect(await rawGet(await openSocket(registry.url, '127.0.0.3'), '/healthz')).toBe('HTTP/1.1 200 OK');
    own[0]!.destroy();
    await once(registry.sockets[0]!, 'close');
    expect(await rawGet(await openSocket(registry.url, '127.0.0.2'), '/healthz')).toBe('HTTP/1.1 200 OK');
  });

  it('counts an IPv4 address as it is (also IPv4-mapped) and an IPv6 address as its /64', () => {
    expect(
      ['10.0.0.1', '::ffff:10.0.0.1', '2001:db8:1:2:3:4:5:6', '2001:0db8:1:2::9', '2001:db8:1:3::1', '::1', 'fe80::1%eth0', undefined].map(addressKey),
    ).toEqual(['10.0.0.1', '10.0.0.1', '2001:db8:1:2::/64', '2001:db8:1:2::/64', '2001:db8:1:3::/64', '0:0:0:0::/64', 'fe80:0:0:0::/64', 'unknown']);
  });

  it('defaults to 64 connections per address', async () => {
    const registry = await servedRegistry({ driver: 'memory' });
    const sockets = await Promise.all(Array.from({ length: 65 }, () => openSocket(registry.url, '127.0.0.6')));
    const answers = await Promise.allSettled(sockets.map((socket) => rawGet(socket, '/healthz')));
    expect(answers.filter((answer) => answer.status === 'fulfilled')).toHaveLength(64);
    expect(await health(registry.url)).toBe(200);
  });
});

describe('accept errors', () => {
  it('logs an EMFILE error of the listening socket and keeps serving', async () => {
    const logged: RegistryLogEntry[] = [];
    const registry = await servedRegistry({ driver: 'memory' }, { log: (entry) => logged.push(entry) });
    const error = Object.assign(new Error('accept EMFILE'), { code: 'EMFILE', errno: -24, syscall: 'accept' });
    expect(() => registry.server.server.emit('error', error)).not.toThrow();
    expect(logged.map((entry) => [entry.level, entry.message])).toEqual([['error', expect.stringMatching(/EMFILE.*file descriptors/)]]);
    expect(await health(registry.url)).toBe(200);
  });

  it('keeps serving with 300 sockets open against 256 descriptors, capped at 150, and serves new ones once they close', { timeout: 60_000 }, async () => {
    const { url } = await lowLimitServer(256, 150);
    const { open, closed } = await flood(url, 300);
    await until(
      () => closed() === 150,
      () => `the server closed ${closed()} sockets, not 150`,
    );
    for (const socket of open().slice(0, 5)) expect(await rawGet(socket, '/healthz')).toBe('HTTP/1.1 200 OK');
    for (const socket of open()) socket.destroy();
    expect(await healthSoon(url)).toBe(200);
  });

  it('does not crash when the descriptors run out (no cap), and serves again once the sockets close', { timeout: 60_000 }, async () => {
    const { url, child } = await lowLimitServer(256, 1000);
    const { open, closed } = await flood(url, 300);
    await until(
      () => closed() > 0,
      () => 'the server closed none of 300 sockets',
    );
    for (const socket of open()) socket.destroy();
    expect(await healthSoon(url)).toBe(200);
    expect(child.exitCode).toBeNull();
  });
});

/** `plughub serve` in a child process whose open-file limit is `descriptors`, once it listens. */
async function lowLimitServer(descriptors: number, maxConnections: number): Promise<{ url: string; child: ChildProcess }> {
  const directory = await tempDir();
  const command = `ulimit -n ${descriptors} && exec "${process.execPath}" --import tsx src/node/cli/main.ts serve --port 0 --data "${directory}" --max-connections ${maxConnections}`;
  const child = spawn('/bin/sh', ['-c', command], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = once(child, 'exit');
  onCleanup(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const match = /^listening on (http:\/\/\S+)$/.exec(line);
      if (match) resolve(match[1]!);
    });
    void exited.then(() => reject(new Error(`the server exited before listening:\n${stderr}`)));
  });
  return { url, child };
}

/**
 * Opens `count` sockets, from 127.0.0.2, .3 … (50 each, under the cap per
 * address); `open()` lists those the server has not closed, `closed()`
 * counts the others.
 */
async function flood(url: string, count: number): Promise<{ open(): Socket[]; closed(): number }> {
  const sockets = await Promise.all(Array.from({ length: count }, (_, i) => openSocket(url, `127.0.0.${2 + Math.floor(i / 50)}`)));
  return {
    open: () => sockets.filter((socket) => !socket.closed && !socket.readableEnded),
    closed: () => sockets.filter((socket) => socket.closed || socket.readableEnded).length,
  };
}

/** Polls `condition` every 20 ms until it holds; fails after 10 s with `why()`. */
async function until(condition: () => boolean, why: () => string): Promise<void> {
  for (const deadline = Date.now() + 10_000; !condition(); await delay(20)) {
    if (Date.now() > deadline) throw new Error(why());
  }
}

/** GET /healthz on new connections until one answers (up to 2 s); resolves to its status. */
async function healthSoon(url: string): Promise<number> {
  let status = 0;
  for (const deadline = Date.now() + 2000; status !== 200 && Date.now() < deadline; ) {
    status = await health(url).catch(() => 0);
    if (status !== 200) await delay(20);
  }
  return status;
}
