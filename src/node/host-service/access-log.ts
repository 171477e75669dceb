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

/** `text` escaped for a quoted log field (see the module comment), cut at 4 KiB. */
export function escapeLogField(text: string): string {
  const cut = text.length > MAX_FIELD ? `${text.slice(0, MAX_FIELD)}...` : text;
  return cut.replace(UNSAFE, (char) => {
    if (char === '"' || char === '\\') return `\\${char}`;
    const code = char.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

let cachedSecond = Number.NaN;
let cachedTime = '';

/** `[03/Dec/2026:10:41:36 +0000]`: the log's time, in UTC (formatted once a second). */
function logTime(time: Date): string {
  const second = Math.floor(time.getTime() / 1000);
  if (second === cachedSecond) return cachedTime;
  const two = (value: number) => String(value).padStart(2, '0');
  cachedSecond = second;
  cachedTime = `[${two(time.getUTCDate())}/${MONTHS[time.getUTCMonth()]}/${time.getUTCFullYear()}:${two(time.getUTCHours())}:${two(time.getUTCMinutes())}:${two(time.getUTCSeconds())} +0000]`;
  return cachedTime;
}

/**
 * One Combined Log Format line, without its newline.
 *
 * @example combinedLogLine(record) // '127.0.0.1 - - [03/Dec/2026:10:41:36 +0000] "GET / HTTP/1.1" 404 61 "-" "curl/8.5.0"'
 */
export function combinedLogLine(record: AccessRecord): string {
  const host = record.remoteAddress === undefined ? '-' : escapeLogField(record.remoteAddress);
  const request = escapeLogField(`${record.method} ${record.target} HTTP/${record.httpVersion}`);
  const status = record.status === 0 ? '-' : String(record.status);
  const bytes = record.bytes === 0 ? '-' : String(record.bytes);
  const quoted = (value: string | undefined) => (value === undefined ? '"-"' : `"${escapeLogField(value)}"`);
  return `${host} - - ${logTime(record.time)} "${request}" ${status} ${bytes} ${quoted(record.referer)} ${quoted(record.userAgent)}`;
}

/** The record of a request node:http served. */
export function accessRecord(request: IncomingMessage, status: number, bytes: number, startedAt: number): AccessRecord {
  const header = (name: string) => {
    const value = request.headers[name];
    return Array.isArray(value) ? value.join(', ') : value;
  };
  return {
    remoteAddress: request.socket.remoteAddress,
    method: request.method ?? '-',
    target: request.url ?? '-',
    httpVersion: request.httpVersion,
    status,
    bytes,
    referer: header('referer'),
    userAgent: header('user-agent'),
    time: new Date(startedAt),
  };
}

/** Where log lines go: stdout, a file stream. */
export interface LogOutput {
  write(chunk: string): unknown;
}

/**
 * Collects the lines of one turn of the event loop and writes them in one
 * write (a busy service writes its log in a few large writes, not one
 * system call per request). `flush()` writes what is pending at once.
 */
export class AccessLogWriter {
  readonly #out: LogOutput;
  #pending: string[] = [];
  #scheduled = false;

  constructor(out: LogOutput) {
    this.#out = out;
  }

  /** Queues one line (without its newline). */
  line(text: string): void {
    this.#pending.push(text);
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => this.flush());
  }

  /** Writes the queued lines now. */
  flush(): void {
    this.#scheduled = false;
    if (this.#pending.length === 0) return;
    const text = `${this.#pending.join('\n')}\n`;
    this.#pending = [];
    this.#out.write(text);
  }
}
