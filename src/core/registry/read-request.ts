/**
 * The GETs of the registry client (transport.ts), sent with `fetch` itself:
 * a load makes two (the document, the bundle), and going through ky cost
 * each one a Request, its clone, merged headers and hooks, about 0.4 ms in a
 * browser. The policy is the one the client always had: a network error, or
 * an answer of 408, 429 or 5xx, is tried again up to `limit` times, the n-th
 * time after `delay(n)` or, for a 429 or 503 with `Retry-After`, after what
 * it asks (at most `maxRetryAfterMs`); a wait ends at once when `signal`
 * aborts. The caller reads the answer (its body limit, its errors).
 */
import type { FetchLike } from '../ports.js';

/** Statuses a GET is tried again after. */
const RETRY_STATUS: ReadonlySet<number> = new Set([408, 429, ...Array.from({ length: 100 }, (_, i) => 500 + i)]);
/** Statuses whose `Retry-After` says how long to wait. */
const RETRY_AFTER_STATUS = new Set([429, 503]);
/** The longest delay a timer holds (2^31 - 1 ms). */
const MAX_TIMER_MS = 2_147_483_647;
/** Above this, a `Retry-After` number is a time (epoch seconds), not seconds to wait. */
const EPOCH_THRESHOLD_MS = Date.parse('2024-01-01');

/** How a GET is tried again. */
export interface ReadRetry {
  /** Retries after the first attempt. */
  limit: number;
  /** The wait before the n-th retry (n from 1), in ms. */
  delay(retry: number): number;
  /** The longest wait a `Retry-After` may ask for, in ms. */
  maxRetryAfterMs: number;
}

/**
 * GETs `url` with `fetch`, trying again as ReadRetry says. Resolves with
 * the first answer not to be tried again (a success, a 304, a status that is
 * not retried, or any answer once the retries are spent); rejects with the
 * last network error, or with `signal.reason` once it aborted.
 */
export async function fetchRead(
  fetch: FetchLike,
  url: string,
  init: { headers: Record<string, string>; signal: AbortSignal },
  retry: ReadRetry,
): Promise<Response> {
  for (let retries = 0; ; retries += 1) {
    let response: Response;
    try {
      response = await fetch(url, { method: 'GET', headers: init.headers, signal: init.signal });
    } catch (error) {
      if (init.signal.aborted) throw init.signal.reason;
      if (retries >= retry.limit) throw error;
      await pause(retry.delay(retries + 1), init.signal);
      continue;
    }
    if (retries >= retry.limit || !RETRY_STATUS.has(response.status)) return response;
    const asked = RETRY_AFTER_STATUS.has(response.status) ? retryAfterMs(response.headers.get('retry-after')) : undefined;
    void response.body?.cancel().catch(() => {});
    await pause(asked === undefined ? retry.delay(retries + 1) : Math.min(asked, retry.maxRetryAfterMs), init.signal);
  }
}

/** The wait a `Retry-After` value asks for, in ms (seconds, an HTTP date or an epoch time); undefined when it says nothing usable. */
function retryAfterMs(header: string | null): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isNaN(seconds)) {
    const at = Date.parse(header);
    return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
  }
  const ms = seconds * 1000;
  return Math.max(0, ms >= EPOCH_THRESHOLD_MS ? ms - Date.now() : ms);
}

/** Resolves after `ms`, or rejects with `signal.reason` as soon as it aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(
      () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      },
      Math.min(Math.max(0, ms), MAX_TIMER_MS),
    );
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
