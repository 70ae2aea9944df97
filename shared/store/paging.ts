/**
 * One page of a key-ordered query. It asks for one row more than the page holds, so `cursor` is set only when
 * a further row really exists: PaddleFlow's `isTruncated` looks at the whole table and can promise a page
 * that comes back empty; this never does.
 */

export interface Page<T> {
  items: T[];
  /** Where the next page starts (after the last item returned), or null when this page is the last. */
  cursor: string | null;
}

export interface PageRequest {
  limit: number;
  cursor?: string | null;
}

export async function fetchPage<T>(
  request: PageRequest,
  query: (options: { limit: number; cursor: string | null }) => Promise<{ data: T[] }>,
  cursorAfter: (item: T) => string,
): Promise<Page<T>> {
  const { data } = await query({ limit: request.limit + 1, cursor: request.cursor ?? null });
  if (data.length <= request.limit) return { items: data, cursor: null };
  const items = data.slice(0, request.limit);
  return { items, cursor: cursorAfter(items[items.length - 1]!) };
}
