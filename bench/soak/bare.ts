/**
 * The baseline of the soak benchmark: a bare node:http server in a process
 * of its own, answering from memory the bytes and headers the parent hands it
 * (`answers`: path → status, headers, base64 body), `304` when a request's
 * `If-None-Match` equals the answer's ETag, and 404 for any other path. It
 * carries the same read load as the registry, so its memory over time is the
 * noise a Node HTTP server shows without plughub.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serveParent, tell } from './child.js';

/** A canned answer the parent sends. */
export interface CannedAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const answers = new Map<string, { status: number; headers: Record<string, string>; body: Buffer }>();
const notFound = Buffer.from('{"error":{"code":"E_NOT_FOUND","message":"not found"}}');

const server = createServer((request, response) => {
  const answer = answers.get(request.url ?? '');
  if (!answer) {
    response.writeHead(404, { 'content-type': 'application/json' });
    response.end(notFound);
    return;
  }
  const etag = answer.headers.etag;
  if (etag !== undefined && request.headers['if-none-match'] === etag) {
    response.writeHead(304, { etag });
    response.end();
    return;
  }
  response.writeHead(answer.status, answer.headers);
  response.end(answer.body);
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

process.on('message', (message: { type: string; answers?: Record<string, CannedAnswer> }) => {
  if (message.type !== 'answers' || !message.answers) return;
  for (const [path, answer] of Object.entries(message.answers)) {
    answers.set(path, { status: answer.status, headers: answer.headers, body: Buffer.from(answer.body, 'base64') });
  }
  tell({ type: 'answers-set' });
});
serveParent({
  stop: async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    return {};
  },
});
tell({ type: 'ready', url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
