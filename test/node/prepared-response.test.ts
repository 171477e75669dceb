/** Route results as PreparedResponses: bytes in memory, a body stream made only when read, otherwise a Response like any other. */
import { describe, expect, it } from 'vitest';
import { PreparedResponse, RESPONSE_CAN_BE_PREPARED, toResponse, withoutBody } from '../../src/core/routes/index.js';

describe('toResponse(value, true) in Node', () => {
  it("can stand for Node's Response, whose members are on its prototype", () => {
    expect(RESPONSE_CAN_BE_PREPARED).toBe(true);
  });

  it('answers text, JSON and bytes as PreparedResponses that read like Responses', async () => {
    const text = toResponse('héllo', true);
    expect(text).toBeInstanceOf(PreparedResponse);
    expect(text).toBeInstanceOf(Response);
    expect((text as unknown as PreparedResponse).preparedParts).toEqual({
      status: 200,
      headers: { 'content-type': 'text/plain; charset=utf-8', 'content-length': '6' },
      body: new TextEncoder().encode('héllo'),
    });
    expect(text.status).toBe(200);
    expect(text.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await text.text()).toBe('héllo');
    expect(await toResponse({ a: 1 }, true).json()).toEqual({ a: 1 });
    const source = new Uint8Array([1, 2, 3]);
    const bytes = toResponse(source, true);
    source[0] = 9;
    expect(new Uint8Array(await bytes.arrayBuffer())).toEqual(new Uint8Array([1, 2, 3]));
  });

  it('keeps its parts for the bridge only until someone reads the real Response', async () => {
    const response = toResponse('x', true) as unknown as PreparedResponse;
    expect(response.preparedParts).toBeDefined();
    (response as unknown as Response).headers.set('x-late', '1');
    expect(response.preparedParts).toBeUndefined();
  });

  it('drops the body for HEAD and keeps the headers', () => {
    const head = withoutBody(toResponse('abc', true)) as unknown as PreparedResponse;
    expect(head.preparedParts).toEqual({ status: 200, headers: { 'content-type': 'text/plain; charset=utf-8', 'content-length': '3' }, body: null });
  });
});

describe('toResponse(value)', () => {
  it('answers plain Responses unless asked', async () => {
    const response = toResponse('plain');
    expect(response).not.toBeInstanceOf(PreparedResponse);
    expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await response.text()).toBe('plain');
  });
});
