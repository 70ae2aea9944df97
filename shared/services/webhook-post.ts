/**
 * One webhook delivery over HTTP: a POST with a timeout per attempt, tried again after a short pause when the
 * network fails or the receiver answers 5xx (it may be restarting), never after a 4xx (it refused this body and
 * will refuse it again). Redirects are not followed: a POST re-sent elsewhere is not what the owner registered.
 */

export interface RetryPolicy {
  /** Per attempt. */
  timeoutMs: number;
  /** The pause before each attempt after the first: its length is the number of retries. */
  retryDelaysMs: readonly number[];
}

/** 10 s per attempt, three attempts. */
const DEFAULT_RETRY_POLICY: RetryPolicy = { timeoutMs: 10_000, retryDelaysMs: [1_000, 3_000] };

export interface PostResult {
  ok: boolean;
  /** The last answer's status; undefined when no answer came. */
  status?: number;
  attempts: number;
  /** Why it failed, when it did. */
  error?: string;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function postWithRetries(
  url: string,
  body: string,
  headers: Record<string, string>,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
): Promise<PostResult> {
  let last: PostResult = { ok: false, attempts: 0 };
  for (let attempt = 1; attempt <= policy.retryDelaysMs.length + 1; attempt++) {
    if (attempt > 1) await pause(policy.retryDelaysMs[attempt - 2]!);
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers,
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(policy.timeoutMs),
      });
      await response.body?.cancel(); // the answer's body is not read: free the connection
      const { status } = response;
      if (status >= 200 && status < 300) return { ok: true, status, attempts: attempt };
      last = { ok: false, status, attempts: attempt, error: `HTTP ${status}` };
      if (status < 500) return last;
    } catch (error) {
      last = { ok: false, attempts: attempt, error: describe(error) };
    }
  }
  return last;
}

/** fetch's TypeError says only "fetch failed": the cause (ECONNREFUSED, a timeout…) is what helps. */
function describe(error: unknown): string {
  const { name, message, cause } = error as { name?: string; message?: string; cause?: { message?: string } };
  if (name === 'TimeoutError') return 'timed out';
  return cause?.message ? `${message}: ${cause.message}` : String(message ?? error);
}
