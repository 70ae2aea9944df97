/**
 * A schedule's crontab, read as PaddleFlow reads it (robfig/cron v3's `ParseStandard`), and its fire times
 * under Floe's time-zone rules (see index.ts).
 *
 * Hand-written rather than built on cron-parser: that library reads another grammar (seconds, `L`, `W`, `#`,
 * 7 for Sunday, no `@every`, other error messages) and follows neither robfig's day rule nor the DST rules
 * here, so it would accept crontabs PaddleFlow refuses and fire at other times.
 */
import { CrontabError } from './errors.ts';
import { parseFields } from './fields.ts';
import { GoDurationError, parseGoDuration } from './go-duration.ts';
import { goFields, goTrimSpace } from './go-text.ts';
import { type WallSearch, wallSearch } from './search.ts';
import { isZoneName, processTimeZone, segmentAt } from './zone.ts';

export interface Crontab {
  /** As given. */
  readonly text: string;
  /** The first fire time strictly after `after`, or undefined when there is none within the next 5 years. */
  next(after: Date): Date | undefined;
}

export interface CrontabOptions {
  /** IANA zone of crontabs without a `CRON_TZ=`/`TZ=` prefix; the process's zone (Go's `time.Local`) if unset. */
  defaultTimeZone?: string;
}

const DESCRIPTORS = new Map([
  ['@yearly', '0 0 1 1 *'],
  ['@annually', '0 0 1 1 *'],
  ['@monthly', '0 0 1 * *'],
  ['@weekly', '0 0 * * 0'],
  ['@daily', '0 0 * * *'],
  ['@midnight', '0 0 * * *'],
  ['@hourly', '0 * * * *'],
]);

const EVERY = '@every ';
const NANOSECONDS_PER_SECOND = 1_000_000_000n;
const WILDCARD = /[*?]/;
const HORIZON_YEARS = 5;

/** Throws CrontabError for a crontab PaddleFlow refuses (and RangeError for an unknown `defaultTimeZone`). */
export function parseCrontab(text: string, options: CrontabOptions = {}): Crontab {
  const local = options.defaultTimeZone ?? processTimeZone();
  if (!isZoneName(local)) throw new RangeError(`unknown time zone ${local}`);
  if (text === '') throw new CrontabError('empty spec string');

  // robfig's prefix handling, to the letter: the zone runs from the first `=` to the first plain space.
  let spec = text;
  let zone = local;
  if (spec.startsWith('TZ=') || spec.startsWith('CRON_TZ=')) {
    const space = spec.indexOf(' ');
    zone = loadLocation(spec.slice(spec.indexOf('=') + 1, space === -1 ? undefined : space), local);
    spec = space === -1 ? '' : goTrimSpace(spec.slice(space));
  }

  if (spec.startsWith('@')) {
    const expanded = DESCRIPTORS.get(spec);
    if (expanded !== undefined) return fieldCrontab(text, goFields(expanded), zone);
    if (spec.startsWith(EVERY)) return everyCrontab(text, spec);
    throw new CrontabError(`unrecognized descriptor: ${spec}`);
  }
  const fields = goFields(spec);
  if (fields.length !== 5) {
    throw new CrontabError(`expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]`);
  }
  return fieldCrontab(text, fields, zone);
}

/** Go's `time.LoadLocation`: "" is UTC and "Local" the process's zone besides the tz database's names. */
function loadLocation(name: string, local: string): string {
  if (name === '') return 'UTC';
  if (name === 'Local') return local;
  if (!isZoneName(name)) throw new CrontabError(`provided bad location ${name}: unknown time zone ${name}`);
  return name;
}

function everyCrontab(text: string, spec: string): Crontab {
  let nanoseconds: bigint;
  try {
    nanoseconds = parseGoDuration(spec.slice(EVERY.length));
  } catch (error) {
    if (error instanceof GoDurationError)
      throw new CrontabError(`failed to parse duration ${spec}: ${error.message}`);
    throw error;
  }
  // robfig would quietly make a negative interval one second; refusing it tells the user something is wrong.
  if (nanoseconds < 0n) throw new CrontabError(`failed to parse duration ${spec}: the interval is negative`);
  // robfig's Every: at least a second, in whole seconds.
  const seconds = nanoseconds < NANOSECONDS_PER_SECOND ? 1n : nanoseconds / NANOSECONDS_PER_SECOND;
  const delay = Number(seconds) * 1000;
  return {
    text,
    next(after) {
      const from = instantOf(after);
      // robfig's `t.Add(d - t.Nanosecond())`: counted from the start of `after`'s second, in no time zone.
      const fire = Math.floor(from / 1000) * 1000 + delay;
      return fire <= horizon(from) ? new Date(fire) : undefined;
    },
  };
}

function fieldCrontab(text: string, texts: string[], zone: string): Crontab {
  const fields = parseFields(texts as [string, string, string, string, string]);
  const search = wallSearch(fields);
  const fixedTime = !WILDCARD.test(fields.minute.text) && !WILDCARD.test(fields.hour.text);
  return {
    text,
    next(after) {
      const fire = nextFire(search, fixedTime, zone, instantOf(after));
      return fire === undefined ? undefined : new Date(fire);
    },
  };
}

/**
 * Walks the zone's segments of constant offset from `after` on. Within a segment wall time and instants
 * map one to one, so the wall-clock search finds its first fire time; the DST rules live at the seams.
 */
function nextFire(search: WallSearch, fixedTime: boolean, zone: string, after: number): number | undefined {
  const last = horizon(after);
  let segment = segmentAt(zone, after, last);
  // Strictly after `after`: its own wall time, even on the minute, is out.
  let from = after + segment.offset + 1;
  for (;;) {
    // After a fall-back the walls up to the previous offset's are repeats; a fixed-time schedule had its turn.
    if (fixedTime && segment.previousOffset > segment.offset) {
      from = Math.max(from, segment.start + segment.previousOffset);
    }
    const end = Math.min(segment.end, last + 1);
    const wall = search(from, end + segment.offset);
    if (wall !== undefined) return wall - segment.offset;
    if (segment.end > last) return undefined;

    const transition = segment.end;
    segment = segmentAt(zone, transition, last);
    // A spring-forward skips walls; a fixed-time schedule due in them fires once, as the clock jumps.
    if (
      fixedTime &&
      segment.offset > segment.previousOffset &&
      search(transition + segment.previousOffset, transition + segment.offset) !== undefined
    ) {
      return transition;
    }
    from = transition + segment.offset;
  }
}

function instantOf(after: Date): number {
  const instant = after.getTime();
  if (Number.isNaN(instant)) throw new RangeError('Invalid Date');
  return instant;
}

function horizon(instant: number): number {
  const date = new Date(instant);
  return date.setUTCFullYear(date.getUTCFullYear() + HORIZON_YEARS);
}
