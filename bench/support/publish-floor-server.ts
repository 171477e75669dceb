/**
 * The floor of a durable publish, for bench/registry-publish.ts: a bare
 * node:http server that does only what no registry keeping the same
 * guarantee can skip — receive the body, inflate it, hash what it holds,
 * append it with a small JSON record to a preallocated log and fdatasync
 * it before answering 201 with that record. No checks, no routing, no
 * document, no tokens: nothing a real registry could do faster. Run in a
 * child process (`node --import tsx bench/support/publish-floor-server.ts
 * DIR`); prints `listening on <url>`.
 */
import { createHash } from 'node:crypto';
import { fdatasync, openSync, writeSync, writevSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

const MAX_BODY_BYTES = 10 * 1024 * 1024;
const PREALLOCATED_BYTES = 64 * 1024 * 1024;

const directory = process.argv[2];
if (directory === undefined) throw new Error('usage: publish-floor-server.ts DIR');
const log = openSync(join(directory, 'floor.log'), 'w+');
const zeros = new Uint8Array(1024 * 1024);
for (let at = 0; at < PREALLOCATED_BYTES; ) at += writeSync(log, zeros, 0, zeros.byteLength, at);
let position = 0;

const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  let size = 0;
  request.on('data', (chunk: Buffer) => {
    size += chunk.byteLength;
    if (size > MAX_BODY_BYTES) request.destroy();
    else chunks.push(chunk);
  });
  request.on('end', () => {
    const body = Buffer.concat(chunks, size);
    let unpacked: Buffer;
    try {
      unpacked = gunzipSync(body, { maxOutputLength: MAX_BODY_BYTES });
    } catch (error) {
      response.writeHead(400).end(`not a gzip body within ${MAX_BODY_BYTES} bytes: ${(error as Error).message}`);
      return;
    }
    const digest = createHash('sha256').update(unpacked).digest('base64');
    const record = Buffer.from(JSON.stringify({ url: request.url, size: unpacked.byteLength, integrity: `sha256-${digest}`, at: new Date().toISOString() }));
    if (position + body.byteLength + record.byteLength > PREALLOCATED_BYTES) position = 0;
    const at = position;
    position += writevSync(log, [body, record], at);
    fdatasync(log, (error) => {
      if (error) {
        response.writeHead(500).end(error.message);
        return;
      }
      response.writeHead(201, { 'content-type': 'application/json', 'content-length': record.byteLength }).end(record);
    });
  });
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address() as { port: number };
  console.log(`listening on http://127.0.0.1:${address.port}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
