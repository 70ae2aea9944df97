/**
 * The first wall-clock minute the fields match, in a range of wall-clock time. Wall time is a number of ms
 * read as UTC (`Date.UTC(year, month, day, hour, minute)`), so calendar arithmetic here knows nothing of time
 * zones; `crontab.ts` maps it onto instants.
 */
import { dayMatches, type Field, type Fields } from './fields.ts';

const MINUTE = 60_000;

/** `(from, until)`: the first matching wall minute `w` with `from <= w < until`, if any. */
export type WallSearch = (from: number, until: number) => number | undefined;

export function wallSearch(fields: Fields): WallSearch {
  // Per field, the first allowed value at or after each value (-1: none left), so the search jumps to the next
  // candidate month, hour or minute instead of stepping through every minute.
  const nextMonth = firstAtOrAfter(fields.month);
  const nextHour = firstAtOrAfter(fields.hour);
  const nextMinute = firstAtOrAfter(fields.minute);
  const firstMonth = nextMonth[1]!;
  const never = firstMonth === -1 || nextHour[0] === -1 || nextMinute[0] === -1;

  return (from, until) => {
    if (never) return undefined;
    let wall = Math.ceil(from / MINUTE) * MINUTE;
    while (wall < until) {
      const date = new Date(wall);
      const year = date.getUTCFullYear();
      const month = date.getUTCMonth();
      const day = date.getUTCDate();
      const wantedMonth = nextMonth[month + 1]!;
      if (wantedMonth !== month + 1) {
        wall =
          wantedMonth === -1 ? Date.UTC(year + 1, firstMonth - 1, 1) : Date.UTC(year, wantedMonth - 1, 1);
        continue;
      }
      // Days are not skipped by table: a month has at most 31, and day of month and day of week interact.
      if (!dayMatches(fields, day, date.getUTCDay())) {
        wall = Date.UTC(year, month, day + 1);
        continue;
      }
      const hour = date.getUTCHours();
      const wantedHour = nextHour[hour]!;
      if (wantedHour !== hour) {
        wall = wantedHour === -1 ? Date.UTC(year, month, day + 1) : Date.UTC(year, month, day, wantedHour);
        continue;
      }
      const minute = date.getUTCMinutes();
      const wantedMinute = nextMinute[minute]!;
      if (wantedMinute !== minute) {
        wall =
          wantedMinute === -1
            ? Date.UTC(year, month, day, hour + 1)
            : Date.UTC(year, month, day, hour, wantedMinute);
        continue;
      }
      return wall;
    }
    return undefined;
  };
}

function firstAtOrAfter(field: Field): Int8Array {
  const { allowed } = field;
  const next = new Int8Array(allowed.length + 1).fill(-1);
  for (let value = allowed.length - 1; value >= 0; value--)
    next[value] = allowed[value] ? value : next[value + 1]!;
  return next;
}
