/**
 * PaddleFlow's paging of a job's log for `GET /log/run/{runID}` (§4.8; `kube_runtime_client.go:GetTaskLog`
 * and `utils/logic_paging.go` in PaddleFlow), and the parsing of that route's query (`router/v1/log.go`).
 *
 * The text paged is what Kubernetes would hand over: with `end`, the log's last 5000 lines, paged backwards
 * from the end; with `begin`, its first 500000 bytes, paged forwards. `truncated` says that this window did
 * not hold the whole log (`end`: 5000 lines or more, `begin`: 500000 bytes or more) and is only set on the
 * page that reaches the window's edge.
 */

/** Lines Kubernetes returns for `end` (its TailLines). */
const LOG_LINE_READ_LIMIT = 5000;
/** Bytes Kubernetes returns for `begin` (its LimitBytes). */
const LOG_BYTE_READ_LIMIT = 500000;

const LOG_PAGE_NO_DEFAULT = 1;
const LOG_PAGE_SIZE_DEFAULT = 100;
const LOG_PAGE_SIZE_MAX = 100;

export type LogFilePosition = 'begin' | 'end';

export interface LogPageQuery {
  /** 1-based. */
  pageNo: number;
  /** Lines per page. */
  pageSize: number;
  position: LogFilePosition;
}

/** PaddleFlow's LogInfo. */
export interface LogPage {
  logContent: string;
  hasNextPage: boolean;
  truncated: boolean;
}

const trimTrailingNewlines = (text: string) => {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 10) end--;
  return text.slice(0, end);
};

/** The last `limit` lines (a final line without a newline counts as one), as they were. */
function tailLines(text: string, limit: number): string {
  // Skip the final newline: it ends the last line rather than starting another one.
  let index = text.endsWith('\n') ? text.length - 1 : text.length;
  for (let count = 0; count < limit; count++) {
    const newline = text.lastIndexOf('\n', index - 1);
    if (newline < 0 || index === 0) return text;
    index = newline;
  }
  return text.slice(index + 1);
}

/** The first `limit` bytes of the text's UTF-8, and how many bytes that is. */
function headBytes(text: string, limit: number): { text: string; bytes: number } {
  // Every UTF-16 unit takes at most 3 bytes: a text this short cannot reach the limit.
  if (text.length * 3 < limit) return { text, bytes: Buffer.byteLength(text, 'utf8') };
  const encoded = Buffer.from(text.length > limit ? text.slice(0, limit) : text, 'utf8');
  if (encoded.length <= limit) return { text: encoded.toString('utf8'), bytes: encoded.length };
  return { text: encoded.subarray(0, limit).toString('utf8'), bytes: limit };
}

/**
 * One page of a job's log (null: no log). With L lines in the window, page p of size s: nothing when
 * `(p-1)*s+1 > L`; `end` takes lines `[L-s*p, L-s*(p-1))`, `begin` lines `[(p-1)*s, p*s)`; the content is
 * the lines joined by `\n`, with a trailing `\n`.
 */
export function pageLog(text: string | null, query: LogPageQuery): LogPage {
  const { pageNo, pageSize, position } = query;
  if (text === null) return { logContent: '', hasNextPage: false, truncated: false };

  let window: string;
  let bytes = 0;
  if (position === 'begin') {
    ({ text: window, bytes } = headBytes(text, LOG_BYTE_READ_LIMIT));
  } else {
    window = tailLines(text, LOG_LINE_READ_LIMIT);
  }
  const lines = trimTrailingNewlines(window).split('\n');
  const length = lines.length;
  const limitReached = position === 'begin' ? bytes >= LOG_BYTE_READ_LIMIT : length >= LOG_LINE_READ_LIMIT;

  let start = -1;
  let end = -1;
  let hasNextPage = false;
  let truncated = false;
  if ((pageNo - 1) * pageSize + 1 > length) {
    return { logContent: '', hasNextPage, truncated };
  }
  if (position === 'end') {
    start = length - pageSize * pageNo;
    end = length - (pageNo - 1) * pageSize;
    if (start <= 0) {
      start = -1;
      truncated = limitReached;
    } else {
      hasNextPage = true;
    }
    if (end === length) end = -1;
  } else {
    start = (pageNo - 1) * pageSize;
    if (pageNo * pageSize < length) {
      end = pageNo * pageSize;
      hasNextPage = true;
    } else {
      truncated = limitReached;
    }
  }

  if (window === '') return { logContent: '', hasNextPage, truncated };
  const selected = lines.slice(start === -1 ? 0 : start, end === -1 ? lines.length : end);
  return { logContent: `${selected.join('\n')}\n`, hasNextPage, truncated };
}

export interface RunLogQuery extends LogPageQuery {
  /** Only this job's log; every job of the run when absent. */
  jobId?: string;
}

export type ParsedRunLogQuery = { ok: true; value: RunLogQuery } | { ok: false; message: string };

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

/** Go's `strconv.Atoi`, with its error text. */
function atoi(text: string): { value: number } | { error: string } {
  if (!/^[+-]?[0-9]+$/.test(text))
    return { error: `strconv.Atoi: parsing ${JSON.stringify(text)}: invalid syntax` };
  const big = BigInt(text);
  if (big > INT64_MAX || big < INT64_MIN) {
    return { error: `strconv.Atoi: parsing ${JSON.stringify(text)}: value out of range` };
  }
  return { value: Number(big) };
}

/**
 * The query of `GET /log/run/{runID}`: `jobID`, `pageNo` (default 1; 0 means 1), `pageSize` (default 100; 0
 * means 100; over 100 is an error), `logFilePosition` (`begin` | `end`, default `end`). An error message is
 * for a 400 InvalidURI. Negative numbers are refused too (PaddleFlow fails on them with a server error).
 */
export function parseRunLogQuery(query: Record<string, string | undefined>): ParsedRunLogQuery {
  const get = (name: string) => query[name] ?? '';
  const integer = (name: string, absent: number) => {
    const text = get(name);
    return text === '' ? { value: absent } : atoi(text);
  };

  const parsedNo = integer('pageNo', LOG_PAGE_NO_DEFAULT);
  if ('error' in parsedNo) return { ok: false, message: parsedNo.error };
  const parsedSize = integer('pageSize', LOG_PAGE_SIZE_DEFAULT);
  if ('error' in parsedSize) return { ok: false, message: parsedSize.error };
  let { value: pageNo } = parsedNo;
  let { value: pageSize } = parsedSize;
  if (pageNo === 0) pageNo = LOG_PAGE_NO_DEFAULT;
  if (pageSize === 0) pageSize = LOG_PAGE_SIZE_DEFAULT;
  else if (pageSize > LOG_PAGE_SIZE_MAX) return { ok: false, message: 'LogPageSize over max value' };
  if (pageNo < 0) return { ok: false, message: 'LogPageNo must not be negative' };
  if (pageSize < 0) return { ok: false, message: 'LogPageSize must not be negative' };

  const position = get('logFilePosition') || 'end';
  if (position !== 'begin' && position !== 'end') {
    return { ok: false, message: 'LogFilePosition has wrong value' };
  }
  const jobId = get('jobID');
  return { ok: true, value: { ...(jobId === '' ? {} : { jobId }), pageNo, pageSize, position } };
}
