/**
 * Crontabs of PaddleFlow schedules: parsing and next fire times, pure (no I/O, no clock).
 *
 * Grammar: exactly robfig/cron v3's `ParseStandard`, which PaddleFlow uses, with its error messages.
 * - An optional `CRON_TZ=<zone> ` or `TZ=<zone> ` prefix (an IANA name); otherwise `defaultTimeZone`.
 * - A descriptor: `@yearly`/`@annually`, `@monthly`, `@weekly`, `@daily`/`@midnight`, `@hourly` (their
 *   5-field forms), or `@every <Go duration>`: at least 1 s, whole seconds, counted from the start of the
 *   previous instant's second whatever the zone. Floe refuses a negative `@every`, which robfig runs every second.
 * - Or five fields (minute hour day-of-month month day-of-week; names JAN-DEC and SUN-SAT, no 7, no L/W/#).
 *   When neither day field has robfig's star bit (`*` or `?` without a step above 1), a day matches if either
 *   does; otherwise it must match both.
 *
 * Time zones: fields are wall-clock times in the zone. Beyond robfig (which fires twice on fall-back days
 * and moves to odd times on spring-forward days) Floe follows Vixie cron and cronie:
 * - A schedule is fixed-time when neither its minute nor its hour field contains `*` or `?` (`30 2 * * *`,
 *   `0 9,17 * * 1-5`, `@daily`), and wildcard otherwise (`5 * * * *`, `* 2 * * *`, `0 *,12 * * *`, `@hourly`).
 * - Spring forward: a fixed-time schedule due at wall times the clock skips fires once, at the first instant
 *   after the gap (02:30 in New York on 2026-03-08 fires at 03:00 EDT, 07:00Z), however many of its times
 *   fell in the gap. A wildcard schedule has no fire times in the gap.
 * - Fall back: a fixed-time schedule fires at the first occurrence of a repeated wall time only; a wildcard
 *   schedule fires at every instant whose wall time matches, in both passes.
 *
 * `next` returns the first fire time strictly after the given instant, or undefined when there is none
 * within 5 years (`0 0 30 2 *`). It skips by month, day, hour and minute rather than stepping minute by minute.
 */
export { type Crontab, type CrontabOptions, parseCrontab } from './crontab.ts';
export { CrontabError } from './errors.ts';
