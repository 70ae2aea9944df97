/**
 * Time zones through `Intl.DateTimeFormat` (full ICU ships with Node, so no tz database of our own): a zone's
 * UTC offset at an instant, and the stretch of time around an instant over which that offset holds.
 *
 * Intl only answers "what is the wall clock at this instant", so transitions are found by sampling each UTC
 * year weekly and bisecting (to the second) where the offset changes; each zone-year is worked out once per
 * process (about a hundred Intl calls) and cached. Two transitions less than a week apart would be missed;
 * the tz database has none in the years schedules are computed for.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let format = formatters.get(zone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      numberingSystem: 'latn',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, format);
  }
  return format;
}

/** The zone the process runs in, which Go's `time.Local` would be. */
export function processTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'UTC';
}

/**
 * Whether Go's `time.LoadLocation` would load `name` from the tz database: an IANA name Intl knows, spelled
 * with the database's case (Go reads it from files; Intl would take `america/new_york`). Intl also takes
 * UTC offsets such as `+05:30`, which are not zone names.
 */
export function isZoneName(name: string): boolean {
  if (name === '' || name.startsWith('+') || name.startsWith('-')) return false;
  let resolved: string;
  try {
    resolved = formatter(name).resolvedOptions().timeZone;
  } catch {
    return false;
  }
  return resolved === name || resolved.toLowerCase() !== name.toLowerCase();
}

const WALL_CLOCK = /^(\d+)\/(\d+)\/(\d+), (\d+):(\d+):(\d+)$/;

/** Wall clock minus UTC, in ms, at `instant` (whole seconds: offsets before 1970 can have seconds). */
function offsetAt(zone: string, instant: number): number {
  const second = Math.floor(instant / 1000) * 1000;
  const format = formatter(zone);
  const match = WALL_CLOCK.exec(format.format(second));
  let wall: number;
  if (match !== null) {
    const [, month, day, year, hour, minute, sec] = match.map(Number) as number[];
    wall = Date.UTC(year!, month! - 1, day!, hour!, minute!, sec!);
  } else {
    // Another shape (a year before 1 AD, with its era): read part by part rather than fail.
    const part = (type: Intl.DateTimeFormatPartTypes) =>
      Number(format.formatToParts(second).find((p) => p.type === type)?.value);
    wall = Date.UTC(
      part('year'),
      part('month') - 1,
      part('day'),
      part('hour'),
      part('minute'),
      part('second'),
    );
  }
  return wall - second;
}

interface Transition {
  readonly at: number;
  readonly before: number;
  readonly after: number;
}

const SECOND = 1000;
const DAY = 86_400_000;
const PROBE = 7 * DAY;
// How far back a transition still shapes the wall clock after it: a fall-back repeats at most a day of walls.
const LOOKBACK = 2 * DAY;

const transitionCache = new Map<string, Map<number, readonly Transition[]>>();

/** Transitions `t` with `Jan 1 year <= ... < t.at <= Jan 1 year+1` (UTC), oldest first. */
function transitionsOf(zone: string, year: number): readonly Transition[] {
  let years = transitionCache.get(zone);
  if (years === undefined) {
    years = new Map();
    transitionCache.set(zone, years);
  }
  const cached = years.get(year);
  if (cached !== undefined) return cached;

  const found: Transition[] = [];
  const bisect = (from: number, before: number, to: number, after: number): void => {
    if (to - from <= SECOND) {
      found.push({ at: to, before, after });
      return;
    }
    const middle = from + Math.floor((to - from) / (2 * SECOND)) * SECOND;
    const offset = offsetAt(zone, middle);
    if (offset !== before) bisect(from, before, middle, offset);
    if (offset !== after) bisect(middle, offset, to, after);
  };
  const end = Date.UTC(year + 1, 0, 1);
  let from = Date.UTC(year, 0, 1);
  let before = offsetAt(zone, from);
  while (from < end) {
    const to = Math.min(from + PROBE, end);
    const after = offsetAt(zone, to);
    if (after !== before) bisect(from, before, to, after);
    from = to;
    before = after;
  }
  years.set(year, found);
  return found;
}

const utcYear = (instant: number): number => new Date(instant).getUTCFullYear();

/** A stretch of time with one UTC offset, between two transitions. */
export interface Segment {
  /** The transition it starts with; -Infinity when none is recent enough to matter. */
  readonly start: number;
  /** The next transition; Infinity when there is none up to the horizon. */
  readonly end: number;
  readonly offset: number;
  /** The offset before `start` (equal to `offset` when there is no start). */
  readonly previousOffset: number;
}

/** The segment holding `instant` (a transition at `instant` starts it); transitions looked for up to `horizon`. */
export function segmentAt(zone: string, instant: number, horizon: number): Segment {
  let previous: Transition | undefined;
  for (let year = utcYear(instant - LOOKBACK); year <= utcYear(instant); year++) {
    for (const transition of transitionsOf(zone, year)) if (transition.at <= instant) previous = transition;
  }
  let next: Transition | undefined;
  for (let year = utcYear(instant); next === undefined && year <= utcYear(horizon); year++) {
    next = transitionsOf(zone, year).find((transition) => transition.at > instant);
  }
  const offset = previous?.after ?? next?.before ?? offsetAt(zone, instant);
  return {
    start: previous?.at ?? Number.NEGATIVE_INFINITY,
    end: next?.at ?? Number.POSITIVE_INFINITY,
    offset,
    previousOffset: previous?.before ?? offset,
  };
}
