/**
 * PaddleFlow's two time formats (reference/paddleflow.md §0.5): most times are `YYYY-MM-DD HH:MM:SS` in server
 * local time; user and grant times are Go `time.Time`, i.e. RFC3339 with the local offset ("Z" at UTC).
 */

const pad = (n: number, width = 2) => String(Math.trunc(n)).padStart(width, '0');

function localParts(date: Date) {
  return {
    date: `${pad(date.getFullYear(), 4)}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`,
    time: `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`,
  };
}

/** `2022-05-01 10:00:00` in the server's local time zone. */
export function formatLocalTime(date: Date): string {
  const { date: day, time } = localParts(date);
  return `${day} ${time}`;
}

/** An ISO instant as `formatLocalTime` shows it; `''` for none. */
export const localTimeOf = (iso: string | undefined): string => (iso ? formatLocalTime(new Date(iso)) : '');

/** `2022-05-01T10:00:00+08:00`, or `2022-05-01T02:00:00Z` where local time is UTC, as Go renders it. */
export function formatRfc3339(date: Date): string {
  const { date: day, time } = localParts(date);
  const offsetMinutes = -date.getTimezoneOffset();
  if (offsetMinutes === 0) return `${day}T${time}Z`;
  const sign = offsetMinutes > 0 ? '+' : '-';
  const abs = Math.abs(offsetMinutes);
  return `${day}T${time}${sign}${pad(abs / 60)}:${pad(abs % 60)}`;
}

const LOCAL_TIME = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;

/** Reads `2022-05-01 10:00:00` as the server's local time; undefined unless it is exactly that, and a real date. */
export function parseLocalTime(text: string): Date | undefined {
  const match = LOCAL_TIME.exec(text);
  if (!match) return undefined;
  const [year, month, day, hours, minutes, seconds] = match.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const date = new Date(year, month - 1, day, hours, minutes, seconds);
  // Date rolls 2022-02-30 over into March and 24:00 into the next day: a round trip catches both.
  return formatLocalTime(date) === text ? date : undefined;
}
