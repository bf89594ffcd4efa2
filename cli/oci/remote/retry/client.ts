import { isRewindable, type FetchLike, type HttpResponse } from "../fetch.js";
import { httpFetch } from "../http.js";
import { backoff, defaultRetryPolicy, isRetryableNetworkError, isRetryableStatus, type RetryPolicy } from "./policy.js";

export interface RetryOptions {
  policy?: RetryPolicy;
  fetch?: FetchLike;
  /** Injected so tests do not wait for real, and get exact waits. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Wraps `fetch` with retries on transient failures. A body that cannot be replayed (a stream) gets exactly
 * one attempt: sending half of it twice would corrupt an upload.
 */
export function retryingFetch(options: RetryOptions = {}): FetchLike {
  const policy = options.policy ?? defaultRetryPolicy;
  const send = options.fetch ?? httpFetch;
  const sleep = options.sleep ?? realSleep;
  return async (url, init) => {
    const retries = isRewindable(init.body) ? policy.maxRetries : 0;
    for (let attempt = 0; ; attempt++) {
      let response: HttpResponse;
      try {
        response = await send(url, init);
      } catch (error) {
        if (attempt >= retries || !isRetryableNetworkError(error)) throw error;
        await sleep(backoff(policy, attempt, undefined, options.random));
        continue;
      }
      if (attempt >= retries || !isRetryableStatus(response.status)) return response;
      await response.body?.cancel();
      await sleep(backoff(policy, attempt, response.headers.get("retry-after"), options.random));
    }
  };
}
