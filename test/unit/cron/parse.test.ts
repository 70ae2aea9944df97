/**
 * The grammar of robfig/cron v3's ParseStandard, which PaddleFlow uses: what it accepts (checked through the
 * fire times it gives) and what it refuses, with its messages.
 */
import { describe, expect, it } from 'vitest';
import { CrontabError, parseCrontab } from '../../../shared/engine/cron/index.ts';
import { fires, nextFire } from './support.ts';

// A Sunday.
const SUNDAY = '2026-03-01T00:00:00Z';

describe('crontab descriptors', () => {
  it.each([
    ['@yearly', '2027-01-01T00:00:00.000Z'],
    ['@annually', '2027-01-01T00:00:00.000Z'],
    ['@monthly', '2026-04-01T00:00:00.000Z'],
    ['@weekly', '2026-03-08T00:00:00.000Z'],
    ['@daily', '2026-03-02T00:00:00.000Z'],
    ['@midnight', '2026-03-02T00:00:00.000Z'],
    ['@hourly', '2026-03-01T01:00:00.000Z'],
  ])('%s next fires at %s', (text, expected) => {
    expect(nextFire(text, SUNDAY)).toBe(expected);
  });

  it.each([
    ['@every 2s', ['2026-03-01T00:00:02.000Z', '2026-03-01T00:00:04.000Z']],
    ['@every 1h30m', ['2026-03-01T01:30:00.000Z', '2026-03-01T03:00:00.000Z']],
    ['@every 1.5h', ['2026-03-01T01:30:00.000Z', '2026-03-01T03:00:00.000Z']],
    ['@every 2h45m10s', ['2026-03-01T02:45:10.000Z', '2026-03-01T05:30:20.000Z']],
    // robfig: under a second becomes a second, and sub-second parts are dropped.
    ['@every 300ms', ['2026-03-01T00:00:01.000Z', '2026-03-01T00:00:02.000Z']],
    ['@every 1500ms', ['2026-03-01T00:00:01.000Z', '2026-03-01T00:00:02.000Z']],
    ['@every 0s', ['2026-03-01T00:00:01.000Z', '2026-03-01T00:00:02.000Z']],
    ['@every 0', ['2026-03-01T00:00:01.000Z', '2026-03-01T00:00:02.000Z']],
    ['@every -0s', ['2026-03-01T00:00:01.000Z', '2026-03-01T00:00:02.000Z']],
  ])('%s fires at %j', (text, expected) => {
    expect(fires(text, SUNDAY, 2)).toEqual(expected);
  });

  it('reads a prefix before a descriptor, and @every ignores the zone', () => {
    expect(nextFire('CRON_TZ=Asia/Tokyo @daily', SUNDAY)).toBe('2026-03-01T15:00:00.000Z');
    expect(nextFire('TZ=UTC   @hourly', SUNDAY)).toBe('2026-03-01T01:00:00.000Z');
    // robfig trims what follows a prefix (but nothing otherwise: `@daily ` alone is refused below).
    expect(nextFire('TZ=UTC @daily \t', SUNDAY)).toBe('2026-03-02T00:00:00.000Z');
    expect(nextFire('CRON_TZ=Asia/Kolkata @every 1h', SUNDAY)).toBe('2026-03-01T01:00:00.000Z');
  });
});

describe('crontab fields', () => {
  const from = '2026-01-01T00:00:00Z'; // a Thursday

  it.each([
    ['* * * * *', ['2026-01-01T00:01:00.000Z', '2026-01-01T00:02:00.000Z']],
    ['? ? ? ? ?', ['2026-01-01T00:01:00.000Z', '2026-01-01T00:02:00.000Z']],
    ['*/15 * * * *', ['2026-01-01T00:15:00.000Z', '2026-01-01T00:30:00.000Z', '2026-01-01T00:45:00.000Z']],
    // n/step runs from n to the maximum.
    ['5/20 * * * *', ['2026-01-01T00:05:00.000Z', '2026-01-01T00:25:00.000Z', '2026-01-01T00:45:00.000Z']],
    ['10-20/5 * * * *', ['2026-01-01T00:10:00.000Z', '2026-01-01T00:15:00.000Z', '2026-01-01T00:20:00.000Z']],
    ['59/30 * * * *', ['2026-01-01T00:59:00.000Z', '2026-01-01T01:59:00.000Z']],
    ['0/100 * * * *', ['2026-01-01T01:00:00.000Z', '2026-01-01T02:00:00.000Z']],
    ['0 9,17 * * *', ['2026-01-01T09:00:00.000Z', '2026-01-01T17:00:00.000Z', '2026-01-02T09:00:00.000Z']],
    [
      '0 12 * jan-mar MON-fri',
      ['2026-01-01T12:00:00.000Z', '2026-01-02T12:00:00.000Z', '2026-01-05T12:00:00.000Z'],
    ],
    ['0 0 1 Apr,OCT *', ['2026-04-01T00:00:00.000Z', '2026-10-01T00:00:00.000Z']],
    ['0 0 * * SAT,sun', ['2026-01-03T00:00:00.000Z', '2026-01-04T00:00:00.000Z', '2026-01-10T00:00:00.000Z']],
    ['0 0 * * 0', ['2026-01-04T00:00:00.000Z']],
    ['0 0 * JAN/6 *', ['2026-01-02T00:00:00.000Z']],
    // robfig's quirks, kept: strconv.Atoi takes a sign, a leading * swallows the rest of the range, and empty
    // items are dropped (a field with none matches nothing).
    ['+5 * * * *', ['2026-01-01T00:05:00.000Z']],
    ['*-5 * * * *', ['2026-01-01T00:01:00.000Z']],
    [',,5,, * * * *', ['2026-01-01T00:05:00.000Z', '2026-01-01T01:05:00.000Z']],
    [', * * * *', ['none']],
    // Split on Go's whitespace: tabs, runs of spaces, a no-break space.
    ['0\t0\u0085 *\u00a0* *', ['2026-01-02T00:00:00.000Z']],
  ])('%j fires at %j', (text, expected) => {
    expect(fires(text, from, expected.length)).toEqual(expected);
  });

  it('keeps the text as given', () => {
    expect(parseCrontab('CRON_TZ=UTC  0 0 * * *').text).toBe('CRON_TZ=UTC  0 0 * * *');
    expect(parseCrontab('@every 1h').text).toBe('@every 1h');
  });
});

describe('crontab time zone prefixes', () => {
  const from = '2026-01-01T00:00:00Z';

  it.each([
    ['CRON_TZ=Asia/Tokyo 0 9 * * *', '2026-01-02T00:00:00.000Z'],
    ['TZ=Asia/Tokyo 0 9 * * *', '2026-01-02T00:00:00.000Z'],
    ['CRON_TZ=America/New_York 0 9 * * *', '2026-01-01T14:00:00.000Z'],
    // Aliases the tz database has: Go loads them, so does Intl.
    ['CRON_TZ=US/Eastern 0 9 * * *', '2026-01-01T14:00:00.000Z'],
    ['CRON_TZ=Etc/GMT+5 0 9 * * *', '2026-01-01T14:00:00.000Z'],
    // Go's LoadLocation: "" is UTC, "Local" the process zone (here the default zone).
    ['TZ= 0 9 * * *', '2026-01-01T09:00:00.000Z'],
    ['TZ=Local 0 9 * * *', '2026-01-02T00:00:00.000Z'],
  ])('%s next fires at %s', (text, expected) => {
    expect(nextFire(text, from, 'Asia/Tokyo')).toBe(expected);
  });

  it('the prefix wins over the default zone, which applies without one', () => {
    expect(nextFire('0 9 * * *', from, 'Asia/Tokyo')).toBe('2026-01-02T00:00:00.000Z');
    expect(nextFire('0 9 * * *', from, 'Europe/Berlin')).toBe('2026-01-01T08:00:00.000Z');
    expect(nextFire('TZ=UTC 0 9 * * *', from, 'Europe/Berlin')).toBe('2026-01-01T09:00:00.000Z');
  });

  it("defaults to the process's zone, like Go's time.Local", () => {
    const processZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    const after = new Date(from);
    expect(parseCrontab('0 9 * * *').next(after)).toEqual(
      parseCrontab('0 9 * * *', { defaultTimeZone: processZone }).next(after),
    );
    // A zone the test run is unlikely to have, so that a UTC default could not pass for the process's.
    const originalTz = process.env.TZ;
    process.env.TZ = 'Asia/Tokyo';
    try {
      expect(parseCrontab('0 9 * * *').next(after)?.toISOString()).toBe('2026-01-02T00:00:00.000Z');
      expect(parseCrontab('TZ=Local 0 9 * * *').next(after)?.toISOString()).toBe('2026-01-02T00:00:00.000Z');
    } finally {
      if (originalTz === undefined) delete process.env.TZ;
      else process.env.TZ = originalTz;
    }
  });

  it('refuses an unknown default zone as a programming error, not a crontab error', () => {
    expect(() => parseCrontab('0 9 * * *', { defaultTimeZone: 'Mars/Olympus' })).toThrow(RangeError);
    expect(() => parseCrontab('0 9 * * *', { defaultTimeZone: 'Mars/Olympus' })).not.toThrow(CrontabError);
  });
});

describe('crontab errors (robfig/cron v3 messages)', () => {
  it.each([
    ['', 'empty spec string'],
    ['   ', 'expected exactly 5 fields, found 0: []'],
    ['* * * *', 'expected exactly 5 fields, found 4: [* * * *]'],
    ['0 0 0 * * *', 'expected exactly 5 fields, found 6: [0 0 0 * * *]'],
    // Only Go's whitespace separates fields; U+FEFF is not.
    ['0\ufeff0 * * *', 'expected exactly 5 fields, found 4: [0\ufeff0 * * *]'],
    // Descriptors are matched exactly, and only at the very start without a prefix.
    ['@reboot', 'unrecognized descriptor: @reboot'],
    ['@Daily', 'unrecognized descriptor: @Daily'],
    ['@daily ', 'unrecognized descriptor: @daily '],
    ['@every', 'unrecognized descriptor: @every'],
    [' @daily', 'expected exactly 5 fields, found 1: [@daily]'],
    ['TZ=UTC @weird', 'unrecognized descriptor: @weird'],
    ['@every ', 'failed to parse duration @every : time: invalid duration ""'],
    ['@every 1', 'failed to parse duration @every 1: time: missing unit in duration "1"'],
    ['@every Xm', 'failed to parse duration @every Xm: time: invalid duration "Xm"'],
    ['@every 1d', 'failed to parse duration @every 1d: time: unknown unit "d" in duration "1d"'],
    ['@every  1h', 'failed to parse duration @every  1h: time: invalid duration " 1h"'],
    ['@every -1h', 'failed to parse duration @every -1h: the interval is negative'],
    ['x * * * *', 'failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax'],
    ['* * * January *', 'failed to parse int from January: strconv.Atoi: parsing "January": invalid syntax'],
    ['JAN * * * *', 'failed to parse int from JAN: strconv.Atoi: parsing "JAN": invalid syntax'],
    ['/5 * * * *', 'failed to parse int from : strconv.Atoi: parsing "": invalid syntax'],
    ['1-x * * * *', 'failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax'],
    ['*/x * * * *', 'failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax'],
    [
      '99999999999999999999 * * * *',
      'failed to parse int from 99999999999999999999: strconv.Atoi: parsing "99999999999999999999": value out of range',
    ],
    // No L, W or #, and no 7 for Sunday.
    ['0 0 L * *', 'failed to parse int from L: strconv.Atoi: parsing "L": invalid syntax'],
    ['0 0 15W * *', 'failed to parse int from 15W: strconv.Atoi: parsing "15W": invalid syntax'],
    ['0 0 * * 1#2', 'failed to parse int from 1#2: strconv.Atoi: parsing "1#2": invalid syntax'],
    ['0 0 * * 7', 'end of range (7) above maximum (6): 7'],
    ['60 * * * *', 'end of range (60) above maximum (59): 60'],
    ['* 24 * * *', 'end of range (24) above maximum (23): 24'],
    ['* * 32 * *', 'end of range (32) above maximum (31): 32'],
    ['* * * 13 *', 'end of range (13) above maximum (12): 13'],
    ['* * * * 5-7', 'end of range (7) above maximum (6): 5-7'],
    ['9999999999 * * * *', 'end of range (9999999999) above maximum (59): 9999999999'],
    ['* * 0 * *', 'beginning of range (0) below minimum (1): 0'],
    ['* * * 0-3 *', 'beginning of range (0) below minimum (1): 0-3'],
    ['5-1 * * * *', 'beginning of range (5) beyond end of range (1): 5-1'],
    ['* * * DEC-JAN *', 'beginning of range (12) beyond end of range (1): DEC-JAN'],
    ['*/0 * * * *', 'step of range should be a positive number: */0'],
    ['1-5/0 * * * *', 'step of range should be a positive number: 1-5/0'],
    ['*/-1 * * * *', 'negative number (-1) not allowed: -1'],
    ['1-2-3 * * * *', 'too many hyphens: 1-2-3'],
    ['-1 * * * *', 'failed to parse int from : strconv.Atoi: parsing "": invalid syntax'],
    ['*/2/3 * * * *', 'too many slashes: */2/3'],
    ['0 0 1,2-x * *', 'failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax'],
    // Prefixes: the zone is checked first, and must be the tz database's spelling.
    ['TZ=Foo/Bar * * * * *', 'provided bad location Foo/Bar: unknown time zone Foo/Bar'],
    ['CRON_TZ=Foo/Bar @daily', 'provided bad location Foo/Bar: unknown time zone Foo/Bar'],
    ['CRON_TZ=Foo/Bar x', 'provided bad location Foo/Bar: unknown time zone Foo/Bar'],
    [
      'CRON_TZ=america/new_york 0 9 * * *',
      'provided bad location america/new_york: unknown time zone america/new_york',
    ],
    ['CRON_TZ=+05:30 0 9 * * *', 'provided bad location +05:30: unknown time zone +05:30'],
    ['TZ=Europe/Berlin', 'expected exactly 5 fields, found 0: []'],
    ['CRON_TZ=UTC * * * *', 'expected exactly 5 fields, found 4: [* * * *]'],
  ])('refuses %j: %s', (text, message) => {
    let thrown: unknown;
    try {
      parseCrontab(text, { defaultTimeZone: 'UTC' });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(CrontabError);
    expect((thrown as CrontabError).message).toBe(message);
  });
});
