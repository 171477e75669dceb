/**
 * The Combined Log Format line: its fields in order, and the escaping that
 * keeps a hostile request path or user agent from forging a line or sending
 * control sequences to a terminal.
 */
import { describe, expect, it } from 'vitest';
import { combinedLogLine, escapeLogField, type AccessRecord } from '../../../src/node/host-service/access-log.js';

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
