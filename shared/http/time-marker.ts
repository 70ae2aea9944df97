/**
 * The time-based paging of the fs and link lists (reference/paddleflow.md §7.5): newest first, each page
 * holding the rows created before the marker. PaddleFlow's marker is a local time `YYYY-MM-DD HH:MM:SS`, and
 * its `nextMarker` is the time of the first row left out, so rows created in the same second as a page
 * boundary are lost or repeated. Floe's `nextMarker` is instead the exact position of the last row returned
 * (creation instant plus id), signed and bound to its list like every other marker; PaddleFlow's timestamp
 * form is still accepted, meaning "rows created strictly before that second".
 */
import { PfError } from '../errors.ts';
import type { MarkerCodec } from './paging.ts';
import { formatLocalTime, parseLocalTime } from './time.ts';

export interface TimeMarker {
  /** Rows are those whose position (ISO creation instant, `#`, id) is strictly below this; none: all rows. */
  below?: string;
  /** What the response says in `marker`: the marker given, or now when none was. */
  echo: string;
}

export function openTimeMarker(
  markers: MarkerCodec,
  list: string,
  raw: string | undefined,
  now = new Date(),
): TimeMarker {
  // No marker means PaddleFlow's "before now". Floe reads without a bound instead: bounding by the current
  // second, truncated, would hide the rows created earlier in that same second.
  if (raw === undefined || raw === '') return { echo: formatLocalTime(now) };
  const time = parseLocalTime(raw);
  if (time) return { below: time.toISOString(), echo: raw };
  if (/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/.test(raw)) {
    throw new PfError('InvalidMarker', `marker[${raw}] is not a valid local time`);
  }
  return { below: markers.open(list, raw)!, echo: raw };
}

export interface TimePage<T> {
  items: T[];
  /** Whether rows remain after this page: exact, as the store reads one row more than it returns. */
  truncated: boolean;
}

/**
 * PaddleFlow's fs/link list envelope `{marker, truncated, nextMarker, <listKey>}`. `nextMarker` is always
 * present (Go's string without omitempty), empty on the last page. The list is `[]` when empty, never
 * `null` as Go renders it: PaddleFlow's Python SDK iterates these lists and crashes on null.
 */
export function timePageEnvelope<T, R>(
  page: TimePage<T>,
  options: {
    marker: TimeMarker;
    listKey: string;
    list: string;
    markers: MarkerCodec;
    position: (item: T) => string;
    view: (item: T) => R;
  },
): Record<string, unknown> {
  const last = page.items[page.items.length - 1];
  return {
    marker: options.marker.echo,
    truncated: page.truncated,
    nextMarker: page.truncated && last ? options.markers.seal(options.list, options.position(last)) : '',
    [options.listKey]: page.items.map(options.view),
  };
}
