/**
 * Access logs in the Combined Log Format of Apache and nginx, one line per
 * request, which log tools (GoAccess, AWStats, fail2ban, …) read as is:
 *
 *     127.0.0.1 - - [03/Dec/2026:10:41:36 +0000] "GET /api/plugin/sample/7 HTTP/1.1" 200 17 "-" "curl/8.5.0"
 *
 * Every field that comes from the client (the request line, referer, user
 * agent) is escaped as Apache does: `"` and `\` with a backslash, and any
 * character outside printable ASCII as `\xHH` (or `\uHHHH`), so a request
 * can neither forge a log line nor send escape sequences to a terminal that
 * shows the log. Each field is cut at 4 KiB.
 */
import type { IncomingMessage } from 'node:http';

/** What a log line says about one request. */
export interface AccessRecord {
  /** The client address, as the socket saw it. */
  remoteAddress: string | undefined;
  method: string;
  /** The request target as sent (`/path?query`). */
  target: string;
  httpVersion: string;
  status: number;
  /** Body bytes sent. */
  bytes: number;
  referer: string | undefined;
  userAgent: string | undefined;
  /** When the request arrived. */
  time: Date;
}

const MAX_FIELD = 4096;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const UNSAFE = /[^\x20-\x21\x23-\x5b\x5d-\x7e]/g;
const HAS_UNSAFE = /[^\x20-\x21\x23-\x5b\x5d-\x7e]/;

/** `text` escaped for a quoted log field (see the module comment), cut at 4 KiB. */
export function escapeLogField(text: string): string {
  // Most fields need nothing: one test, no replacement pass.
  if (text.length <= MAX_FIELD && !HAS_UNSAFE.test(text)) return text;
  const cut = text.length > MAX_FIELD ? `${text.slice(0, MAX_FIELD)}...` : text;
  return cut.replace(UNSAFE, escapedChar);
}

/** The escape of one unsafe character (see the module comment). */
function escapedChar(char: string): string {
  if (char === '"' || char === '\\') return `\\${char}`;
  const code = char.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

let cachedSecond = Number.NaN;
let cachedTime = '';

/** `[03/Dec/2026:10:41:36 +0000]`: the log's time (epoch ms), in UTC (formatted once a second). */
function logTime(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second === cachedSecond) return cachedTime;
  const time = new Date(second * 1000);
  cachedSecond = second;
  cachedTime = `[${two(time.getUTCDate())}/${MONTHS[time.getUTCMonth()]}/${time.getUTCFullYear()}:${two(time.getUTCHours())}:${two(time.getUTCMinutes())}:${two(time.getUTCSeconds())} +0000]`;
  return cachedTime;
}

/** A number of one or two digits as two. */
function two(value: number): string {
  return value < 10 ? `0${value}` : String(value);
}

/**
 * One Combined Log Format line, without its newline.
 *
 * @example combinedLogLine(record) // '127.0.0.1 - - [03/Dec/2026:10:41:36 +0000] "GET / HTTP/1.1" 404 61 "-" "curl/8.5.0"'
 */
export function combinedLogLine(record: AccessRecord): string {
  const { remoteAddress, method, target, httpVersion, status, bytes, referer, userAgent } = record;
  return formatLine(remoteAddress, method, target, httpVersion, status, bytes, referer, userAgent, record.time.getTime());
}

/** The line of a request node:http served, as combinedLogLine(accessRecord(…)) writes it, without building the record. */
export function servedLogLine(request: IncomingMessage, status: number, bytes: number, startedAt: number): string {
  const headers = request.headers;
  return formatLine(
    request.socket.remoteAddress,
    request.method ?? '-',
    request.url ?? '-',
    request.httpVersion,
    status,
    bytes,
    headerText(headers.referer),
    headerText(headers['user-agent']),
    startedAt,
  );
}

function formatLine(
  remoteAddress: string | undefined,
  method: string,
  target: string,
  httpVersion: string,
  status: number,
  bytes: number,
  referer: string | undefined,
  userAgent: string | undefined,
  ms: number,
): string {
  const host = remoteAddress === undefined ? '-' : escapeLogField(remoteAddress);
  const request = escapeLogField(`${method} ${target} HTTP/${httpVersion}`);
  return `${host} - - ${logTime(ms)} "${request}" ${status === 0 ? '-' : status} ${bytes === 0 ? '-' : bytes} ${quoted(referer)} ${quoted(userAgent)}`;
}

/** A quoted, escaped field, or `"-"`. */
function quoted(value: string | undefined): string {
  return value === undefined ? '"-"' : `"${escapeLogField(value)}"`;
}

/** A header's value as node:http parsed it, repeated values joined. */
function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

/** The record of a request node:http served. */
export function accessRecord(request: IncomingMessage, status: number, bytes: number, startedAt: number): AccessRecord {
  return {
    remoteAddress: request.socket.remoteAddress,
    method: request.method ?? '-',
    target: request.url ?? '-',
    httpVersion: request.httpVersion,
    status,
    bytes,
    referer: headerText(request.headers.referer),
    userAgent: headerText(request.headers['user-agent']),
    time: new Date(startedAt),
  };
}

/** Where log lines go: stdout, a file stream. */
export interface LogOutput {
  write(chunk: string): unknown;
}

/** How long a line may wait for the lines after it before they are written together. */
export const ACCESS_LOG_FLUSH_MS = 50;
/** How many characters of lines are written at once, without waiting for the timer. */
const FLUSH_CHARS = 64 * 1024;

/**
 * Collects lines and writes them in batches: when 64 KiB are pending, or
 * 50 ms after the first pending line, whichever comes first (a busy service
 * writes its log in a few large writes, not one system call per request or
 * per turn of the event loop). `flush()` writes what is pending at once;
 * the service calls it when it stops, so no line is lost on a graceful
 * stop.
 */
export class AccessLogWriter {
  readonly #out: LogOutput;
  #pending = '';
  #timer: ReturnType<typeof setTimeout> | undefined;
  readonly #flush = () => this.flush();

  constructor(out: LogOutput) {
    this.#out = out;
  }

  /** Queues one line (without its newline). */
  line(text: string): void {
    this.#pending += `${text}\n`;
    if (this.#pending.length >= FLUSH_CHARS) this.flush();
    else if (this.#timer === undefined) {
      this.#timer = setTimeout(this.#flush, ACCESS_LOG_FLUSH_MS);
      // The server keeps the process alive while requests come; a stop flushes what is left.
      this.#timer.unref?.();
    }
  }

  /** Writes the queued lines now. */
  flush(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#pending === '') return;
    const text = this.#pending;
    this.#pending = '';
    this.#out.write(text);
  }
}
