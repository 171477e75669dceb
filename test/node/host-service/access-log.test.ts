/**
 * The Combined Log Format line: its fields in order, and the escaping that
 * keeps a hostile request path or user agent from forging a line or sending
 * control sequences to a terminal; the line of a served request built
 * without a record; and the writer's batches.
 */
import type { IncomingMessage } from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  ACCESS_LOG_FLUSH_MS,
  AccessLogWriter,
  accessRecord,
  combinedLogLine,
  escapeLogField,
  servedLogLine,
  type AccessRecord,
} from '../../../src/node/host-service/access-log.js';

const record: AccessRecord = {
  remoteAddress: '127.0.0.1',
  method: 'GET',
  target: '/api/plugin/sample/7?x=1',
  httpVersion: '1.1',
  status: 200,
  bytes: 17,
  referer: undefined,
  userAgent: 'curl/8.5.0',
  time: new Date(Date.UTC(2026, 11, 3, 9, 5, 7)),
};

describe('combinedLogLine', () => {
  it('writes the fields of the Combined Log Format', () => {
    expect(combinedLogLine(record)).toBe('127.0.0.1 - - [03/Dec/2026:09:05:07 +0000] "GET /api/plugin/sample/7?x=1 HTTP/1.1" 200 17 "-" "curl/8.5.0"');
  });

  it('writes "-" for an empty body and for a connection closed before an answer', () => {
    expect(combinedLogLine({ ...record, status: 0, bytes: 0 })).toContain('" - - "-"');
  });

  it('escapes quotes, backslashes, control bytes and non-ASCII characters in client fields', () => {
    const line = combinedLogLine({ ...record, target: '/a"b\\c\x1b[2J\r\nfake 200', userAgent: 'x\u202ey\u00e9' });
    expect(line).toContain('"GET /a\\"b\\\\c\\x1b[2J\\x0d\\x0afake 200 HTTP/1.1"');
    expect(line).toContain('"x\\u202ey\\xe9"');
    expect(line).not.toMatch(/[\x00-\x1f\x7f-\uffff]/);
  });

  it('cuts a field at 4 KiB', () => {
    expect(escapeLogField('a'.repeat(10_000))).toHaveLength(4096 + 3);
  });
});

describe('servedLogLine', () => {
  it('writes the line combinedLogLine writes for the record of the same request, hostile fields and repeated headers included', () => {
    const request = {
      socket: { remoteAddress: '::1' },
      method: 'GET',
      url: '/a"b\\c\x1b[2J',
      httpVersion: '1.1',
      headers: { referer: 'http://x/\u00e9', 'user-agent': ['one', 'two'] },
    } as unknown as IncomingMessage;
    const startedAt = Date.UTC(2026, 11, 3, 9, 5, 7, 450);
    expect(servedLogLine(request, 404, 0, startedAt)).toBe(combinedLogLine(accessRecord(request, 404, 0, startedAt)));
    expect(servedLogLine(request, 404, 0, startedAt)).toBe(
      '::1 - - [03/Dec/2026:09:05:07 +0000] "GET /a\\"b\\\\c\\x1b[2J HTTP/1.1" 404 - "http://x/\\xe9" "one, two"',
    );
  });
});

describe('AccessLogWriter', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('writes the lines of a batch in one write once the batch is due, and what is pending on flush', () => {
    vi.useFakeTimers();
    const writes: string[] = [];
    const writer = new AccessLogWriter({ write: (chunk: string) => writes.push(chunk) });
    writer.line('one');
    writer.line('two');
    expect(writes).toEqual([]);
    vi.advanceTimersByTime(ACCESS_LOG_FLUSH_MS);
    expect(writes).toEqual(['one\ntwo\n']);
    writer.line('three');
    writer.flush();
    expect(writes).toEqual(['one\ntwo\n', 'three\n']);
    vi.advanceTimersByTime(ACCESS_LOG_FLUSH_MS);
    expect(writes).toHaveLength(2);
  });

  it('writes at once when 64 KiB are pending', () => {
    vi.useFakeTimers();
    const writes: string[] = [];
    const writer = new AccessLogWriter({ write: (chunk: string) => writes.push(chunk) });
    const line = 'x'.repeat(1023);
    for (let i = 0; i < 64; i++) writer.line(line);
    expect(writes).toHaveLength(1);
    expect(writes[0]).toHaveLength(64 * 1024);
  });
});
