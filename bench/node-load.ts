/**
 * Node load benchmark: how much plughub adds on top of "fetch the bundle and
 * import it". A 50 KB plugin is published to a real registry (memory
 * storage, node:http bridge on 127.0.0.1, port 0) and loaded with
 * createPluginHost in these ways, each iteration on fresh plugin bytes:
 *
 * - cold: new host on an empty cache directory — resolve (document GET),
 *   download, verify, cache (temp + fsync + rename), private copy, import;
 * - warm: new host on the filled cache directory with its own private module
 *   directory, as a new process would be — document revalidated (304), blob
 *   read from disk and verified, imported (Node evaluates it again);
 * - warm, same process: a new host whose loader finds the module already
 *   imported by Node (same content, same private copy);
 *
 * against baselines measured in the same run on other bytes of the same size:
 * plain `fetch` of the blob URL + `import()` of a data: URL, and plain fetch +
 * write to a temp file + `import()` of its file: URL. Not a test: run it with
 *
 *   npx tsx bench/node-load.ts [--iterations 40]
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { moduleDataUrl } from '../src/core/plugin/loader.js';
import { collectBytes, packPlg } from '../src/core/plg/index.js';
import { createRegistryClient } from '../src/core/registry/client.js';
import { createFileLoader } from '../src/node/loader/file-loader.js';
import { createPluginHost } from '../src/node/host.js';
import { createMemoryStorage, createMemoryTokenStore, createRegistry, serveNode } from '../registry-server/index.js';

const { values } = parseArgs({ options: { iterations: { type: 'string', default: '40' }, size: { type: 'string', default: '51200' } } });
const iterations = Number(values.iterations);
const warmup = 5;
const size = Number(values.size);

/** A plugin module of about `size` bytes of code (small functions, as a bundle has), unique per tag. */
function pluginSource(tag: string): string {
  const head = `// bench plugin ${tag} ${Math.random()}\nconst handlers = {\n`;
  const tail = `};\nexport default { execute(ctx) { return { tag: ${JSON.stringify(tag)}, n: Object.keys(handlers).length, who: ctx.get('who') }; } };\n`;
  let body = '';
  for (let i = 0; head.length + body.length + tail.length < size; i++) {
    body += `  h${i}(x) { return x * ${i} + ${(i * 7919) % 10007} - String(x).length; },\n`;
  }
  return head + body + tail;
}

function stats(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, p90: at(0.9) };
}

async function time(run: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await run();
  return performance.now() - start;
}

const scratch = await mkdtemp(join(tmpdir(), 'plughub-bench-'));
const tokens = createMemoryTokenStore();
const { token } = await tokens.create({ admin: true, publish: [] });
const server = await serveNode(createRegistry({ storage: createMemoryStorage(), tokens }), { port: 0, host: '127.0.0.1', closeGraceMs: 100 });
const client = createRegistryClient({ url: server.url, retry: 0 });

try {
  const total = warmup + iterations;
  const dataUrls: string[] = [];
  const fileUrls: string[] = [];
  let bundleBytes = 0;
  for (let i = 0; i < total; i++) {
    for (const name of [`bench-${i}`, `base-data-${i}`, `base-file-${i}`]) {
      const source = pluginSource(name);
      bundleBytes = source.length;
      const manifest = { name, version: '1.0.0', source: { mode: 'esm', path: 'index.js' } };
      const plg = await collectBytes(
        packPlg([
          { path: 'plugin.json', content: JSON.stringify(manifest) },
          { path: 'index.js', content: source },
        ]),
      );
      const entry = await client.publish(name, '1.0.0', plg, { token });
      if (name.startsWith('base-data-')) dataUrls.push(client.blobUrl(entry.dist));
      if (name.startsWith('base-file-')) fileUrls.push(client.blobUrl(entry.dist));
    }
  }

  const samples: Record<string, number[]> = {
    'baseline: fetch + import(data: URL)': [],
    'baseline: fetch + temp file + import(file: URL)': [],
    'plughub cold (resolve, download, verify, cache, import)': [],
    'plughub warm (from disk cache, new host, new module dir)': [],
    'plughub warm, same process (module already imported)': [],
  };
  const [baseData, baseFile, cold, warm, warmSame] = Object.values(samples) as [number[], number[], number[], number[], number[]];

  for (let i = 0; i < total; i++) {
    const keep = i >= warmup;
    // Baselines on the base-* plugins (distinct bytes, so nothing is reused from an earlier import).
    const dataMs = await time(async () => {
      const bytes = new Uint8Array(await (await fetch(dataUrls[i]!)).arrayBuffer());
      await import(moduleDataUrl(bytes));
    });
    const fileMs = await time(async () => {
      const bytes = new Uint8Array(await (await fetch(fileUrls[i]!)).arrayBuffer());
      const file = join(scratch, `baseline-${i}.mjs`);
      await writeFile(file, bytes);
      await import(pathToFileURL(file).href);
    });
    const cacheDir = join(scratch, `cache-${i}`);
    const modulesA = join(scratch, `modules-${i}-a`);
    const modulesB = join(scratch, `modules-${i}-b`);
    const host = (privateDir: string) => createPluginHost({ registry: client, cacheDir, env: {}, loader: createFileLoader({ privateDir }) });
    const coldMs = await time(() => host(modulesA).load(`bench-${i}@^1`));
    const warmMs = await time(() => host(modulesB).load(`bench-${i}@^1`));
    const sameMs = await time(() => host(modulesA).load(`bench-${i}@^1`));
    if (keep) {
      baseData.push(dataMs);
      baseFile.push(fileMs);
      cold.push(coldMs);
      warm.push(warmMs);
      warmSame.push(sameMs);
    }
  }

  const baseline = stats(baseData).median;
  const baselineFile = stats(baseFile).median;
  console.log(
    `Node ${process.version}, bundle ${(bundleBytes / 1024).toFixed(1)} KiB, ${iterations} iterations (+${warmup} warm-up), registry ${server.url}\n`,
  );
  console.log(`${'case'.padEnd(60)} ${'median ms'.padStart(10)} ${'p90 ms'.padStart(8)} ${'vs data:'.padStart(9)} ${'vs file:'.padStart(9)}`);
  for (const [label, values] of Object.entries(samples)) {
    const { median, p90 } = stats(values);
    console.log(
      `${label.padEnd(60)} ${median.toFixed(2).padStart(10)} ${p90.toFixed(2).padStart(8)} ${`${(median / baseline).toFixed(2)}x`.padStart(9)} ${`${(median / baselineFile).toFixed(2)}x`.padStart(9)}`,
    );
  }
} finally {
  await server.close();
  await rm(scratch, { recursive: true, force: true });
}
