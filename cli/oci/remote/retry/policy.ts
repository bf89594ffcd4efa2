/**
 * When and how long to wait before trying a request again (oras-go `retry/policy.go`): transient statuses and
 * network failures only, exponential backoff with jitter, `Retry-After` honoured but capped.
 */
export interface RetryPolicy {
  /** Attempts after the first one. */
  maxRetries: number;
  /** First backoff in ms; doubles each attempt. */
  minWait: number;
  /** No wait is longer than this, whatever `Retry-After` says. */
  maxWait: number;
}

export const defaultRetryPolicy: RetryPolicy = { maxRetries: 4, minWait: 200, maxWait: 5_000 };

const retryableStatuses = new Set([408, 429, 500, 502, 503, 504]);

const retryableNetworkCodes = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EAI_AGAIN",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_CLOSED",
]);

export function isRetryableStatus(status: number): boolean {
  return retryableStatuses.has(status);
}

/** `fetch` reports network failures as `TypeError("fetch failed")` with the system error as `cause`. */
export function isRetryableNetworkError(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; current && depth < 4; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && retryableNetworkCodes.has(code)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/** Milliseconds to wait before retry number `attempt` (0-based). */
export function backoff(policy: RetryPolicy, attempt: number, retryAfter?: string | null, random = Math.random): number {
  const fromHeader = parseRetryAfter(retryAfter);
  if (fromHeader !== undefined) return Math.min(policy.maxWait, fromHeader);
  const exponential = Math.min(policy.maxWait, policy.minWait * 2 ** attempt);
  // Jitter spreads clients that failed together so they do not come back together.
  return Math.round(exponential / 2 + (random() * exponential) / 2);
}

/** `Retry-After` is either delay-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
