/**
 * PaddleFlow's list filters (`userFilter=a,b`, `nameFilter=…`, `fsFilter=…`): comma-separated, each item
 * trimmed, empty items dropped (`util.SplitFilter`). An absent or all-empty filter filters nothing.
 */
export function splitFilter(raw: string | undefined): string[] {
  if (!raw) return [];
  return raw
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}
