/**
 * `GET /api/v1/events`: the host's lifecycle events as Server-Sent Events.
 * Each event is one `id:` / `event:` / `data:` record (the data one line of
 * JSON, event-data.ts); a comment line is sent every `heartbeatMs` so that
 * proxies and the service's idle timeout keep the connection. The last
 * `replay` events are kept: a client that reconnects with `Last-Event-ID`
 * gets those it missed first. Bounds: at most `maxClients` streams at once
 * (503 past it), at most `maxQueued` events waiting for a slow client (its
 * stream is ended past that: it reconnects and catches up from the replay),
 * and a stream lasts at most `maxStreamMs` (below the service's send
 * deadline), ended with a `retry:` hint so that an EventSource reconnects.
 * A client that goes away is forgotten at once (its stream is cancelled).
 */
import type { NodePluginHost } from '../../host.js';
import { ApiError } from './errors.js';
import { eventData, STREAMED_EVENTS } from './event-data.js';

/** The bounds of the event stream. */
export interface EventStreamLimits {
  /** Streams open at once (default 16). */
  maxClients: number;
  /** Time between heartbeat comments (default 15 s). */
  heartbeatMs: number;
  /** The longest a stream stays open before it asks the client to reconnect (default 50 s). */
  maxStreamMs: number;
  /** Events kept for clients that reconnect with Last-Event-ID (default 256). */
  replay: number;
  /** Events waiting for one slow client before its stream is ended (default 1000). */
  maxQueued: number;
}

/** The default bounds of the event stream. */
export const DEFAULT_EVENT_LIMITS: EventStreamLimits = { maxClients: 16, heartbeatMs: 15_000, maxStreamMs: 50_000, replay: 256, maxQueued: 1000 };

/** The headers of a stream; its connection closes with it (a stop ending the stream then leaves no idle connection to wait for). */
export const EVENT_STREAM_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-store',
  'x-accel-buffering': 'no',
  connection: 'close',
});

/** How long a client waits before it reconnects, sent as `retry:` (ms). */
const RETRY_MS = 1000;

interface Client {
  push(record: string): void;
  end(): void;
}

/** The event stream of one host: its subscribers, its replay buffer and its open streams. */
export class EventHub {
  readonly #limits: EventStreamLimits;
  readonly #clients = new Set<Client>();
  readonly #recent: Array<{ id: number; record: string }> = [];
  readonly #off: Array<() => void> = [];
  #next = 1;

  constructor(host: Pick<NodePluginHost, 'on'>, limits: Partial<EventStreamLimits> = {}) {
    this.#limits = { ...DEFAULT_EVENT_LIMITS, ...limits };
    for (const event of STREAMED_EVENTS) {
      this.#off.push(host.on(event, (payload) => this.#publish(event, eventData(event, payload as never))));
    }
  }

  /** How many streams are open. */
  get clients(): number {
    return this.#clients.size;
  }

  /** The SSE response for `request`; throws a 503 ApiError when `maxClients` streams are open. */
  open(request: Request): Response {
    if (this.#clients.size >= this.#limits.maxClients) {
      throw new ApiError(503, 'E_TOO_MANY_STREAMS', `${this.#limits.maxClients} event streams are open already, the most this service keeps`, {
        'retry-after': '5',
      });
    }
    const lastId = Number(request.headers.get('last-event-id') ?? Number.NaN);
    const missed = Number.isSafeInteger(lastId) ? this.#recent.filter((entry) => entry.id > lastId).map((entry) => entry.record) : [];
    const encoder = new TextEncoder();
    const limits = this.#limits;
    const clients = this.#clients;
    let client: Client | undefined;
    let heartbeat: ReturnType<typeof setInterval> | undefined;
    let deadline: ReturnType<typeof setTimeout> | undefined;
    const forget = () => {
      clearInterval(heartbeat);
      clearTimeout(deadline);
      if (client !== undefined) clients.delete(client);
    };
    const body = new ReadableStream<Uint8Array>(
      {
        start(controller) {
          let ended = false;
          const send = (text: string) => {
            if (ended) return;
            if (controller.desiredSize !== null && controller.desiredSize <= -limits.maxQueued) {
              // A client this far behind is ended; it reconnects and catches up from the replay.
              stop();
              return;
            }
            controller.enqueue(encoder.encode(text));
          };
          const stop = () => {
            if (ended) return;
            ended = true;
            forget();
            controller.close();
          };
          client = { push: send, end: stop };
          clients.add(client);
          send(`retry: ${RETRY_MS}\n: plughub host events\n\n`);
          for (const record of missed) send(record);
          heartbeat = setInterval(() => send(': heartbeat\n\n'), limits.heartbeatMs);
          deadline = setTimeout(stop, limits.maxStreamMs);
        },
        cancel() {
          forget();
        },
      },
      { highWaterMark: 0 },
    );
    request.signal.addEventListener('abort', forget, { once: true });
    return new Response(body, { status: 200, headers: EVENT_STREAM_HEADERS });
  }

  /** Ends every stream and stops following the host (the service is stopping). */
  close(): void {
    for (const off of this.#off.splice(0)) off();
    for (const client of [...this.#clients]) client.end();
  }

  #publish(event: string, data: Record<string, unknown>): void {
    const id = this.#next++;
    const record = `id: ${id}\nevent: ${event}\ndata: ${JSON.stringify({ ...data, at: new Date().toISOString() })}\n\n`;
    this.#recent.push({ id, record });
    if (this.#recent.length > this.#limits.replay) this.#recent.shift();
    for (const client of this.#clients) client.push(record);
  }
}
