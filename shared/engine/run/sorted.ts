/** Sorted arrays kept sorted by insertion: the engine's queues, so no pass sorts a whole run's worth again. */

/** The first position in `list` (sorted by `compare`) at or after `from` whose item is not before `item`. */
export function lowerBound<T>(list: T[], item: T, compare: (a: T, b: T) => number, from = 0): number {
  let low = from;
  let high = list.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (compare(list[middle]!, item) < 0) low = middle + 1;
    else high = middle;
  }
  return low;
}
