/**
 * PaddleFlow's comma lists, in YAML (`deps: "a, b"`, `disabled`) and in list filters (`userFilter=a,b`;
 * Go's `util.SplitFilter`): items trimmed, empty ones dropped, so an absent or blank list is empty.
 */
export function splitCommaList(list: string | undefined): string[] {
  return (list ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}
