/** Fire times in UTC: what the fields select, the day rule, the 5-year horizon, `@every`. */
import { describe, expect, it } from 'vitest';
import { parseCrontab } from '../../../shared/engine/cron/index.ts';
import { fires, nextFire } from './support.ts';

const NEW_YEAR = '2026-01-01T00:00:00Z'; // a Thursday

describe('next fire time', () => {
  it('is strictly after the given instant', () => {
    expect(nextFire('0 0 * * *', NEW_YEAR)).toBe('2026-01-02T00:00:00.000Z');
    expect(nextFire('0 0 * * *', '2025-12-31T23:59:59.999Z')).toBe('2026-01-01T00:00:00.000Z');
    expect(nextFire('0 0 * * *', '2026-01-01T00:00:00.001Z')).toBe('2026-01-02T00:00:00.000Z');
    expect(nextFire('* * * * *', '2026-01-01T00:00:30Z')).toBe('2026-01-01T00:01:00.000Z');
    expect(nextFire('* * * * *', '2026-01-01T00:00:59.999Z')).toBe('2026-01-01T00:01:00.000Z');
  });

  it('does not change the given Date', () => {
    const after = new Date(NEW_YEAR);
    parseCrontab('0 0 * * *', { defaultTimeZone: 'UTC' }).next(after);
    expect(after.toISOString()).toBe('2026-01-01T00:00:00.000Z');
  });

  it.each([
    [
      '15,45 9-10 * * *',
      [
        '2026-01-01T09:15:00.000Z',
        '2026-01-01T09:45:00.000Z',
        '2026-01-01T10:15:00.000Z',
        '2026-01-01T10:45:00.000Z',
        '2026-01-02T09:15:00.000Z',
      ],
    ],
    ['59 23 31 12 *', ['2026-12-31T23:59:00.000Z', '2027-12-31T23:59:00.000Z']],
    // Months without a 31st are skipped.
    ['0 0 31 * *', ['2026-01-31T00:00:00.000Z', '2026-03-31T00:00:00.000Z', '2026-05-31T00:00:00.000Z']],
    ['30 8 * * MON', ['2026-01-05T08:30:00.000Z', '2026-01-12T08:30:00.000Z']],
    ['0 6 * 2 1-5', ['2026-02-02T06:00:00.000Z', '2026-02-03T06:00:00.000Z']],
    ['0 0 1 */3 *', ['2026-04-01T00:00:00.000Z', '2026-07-01T00:00:00.000Z', '2026-10-01T00:00:00.000Z']],
    ['0 0 29 2 *', ['2028-02-29T00:00:00.000Z', '2032-02-29T00:00:00.000Z']],
  ])('%s fires at %j', (text, expected) => {
    expect(fires(text, NEW_YEAR, expected.length)).toEqual(expected);
  });

  describe('day of month and day of week', () => {
    it('with both restricted, a day matches when either does', () => {
      expect(fires('0 0 1 * 1', NEW_YEAR, 6)).toEqual([
        '2026-01-05T00:00:00.000Z',
        '2026-01-12T00:00:00.000Z',
        '2026-01-19T00:00:00.000Z',
        '2026-01-26T00:00:00.000Z',
        '2026-02-01T00:00:00.000Z', // a Sunday, the 1st
        '2026-02-02T00:00:00.000Z',
      ]);
      expect(fires('0 0 13 * FRI', '2026-03-01T00:00:00Z', 3)).toEqual([
        '2026-03-06T00:00:00.000Z',
        '2026-03-13T00:00:00.000Z', // both
        '2026-03-20T00:00:00.000Z',
      ]);
    });

    it('with either starred, a day must match both', () => {
      expect(fires('0 0 * * 1', NEW_YEAR, 2)).toEqual([
        '2026-01-05T00:00:00.000Z',
        '2026-01-12T00:00:00.000Z',
      ]);
      expect(fires('0 0 ? * 1', NEW_YEAR, 2)).toEqual([
        '2026-01-05T00:00:00.000Z',
        '2026-01-12T00:00:00.000Z',
      ]);
      expect(fires('0 0 1 * *', NEW_YEAR, 2)).toEqual([
        '2026-02-01T00:00:00.000Z',
        '2026-03-01T00:00:00.000Z',
      ]);
      expect(fires('0 0 1 * ?', NEW_YEAR, 1)).toEqual(['2026-02-01T00:00:00.000Z']);
      // `*/1` keeps robfig's star bit.
      expect(fires('0 0 */1 * 1', NEW_YEAR, 2)).toEqual([
        '2026-01-05T00:00:00.000Z',
        '2026-01-12T00:00:00.000Z',
      ]);
    });

    it('a star with a step above 1 counts as restricted, as in robfig (odd days or Mondays)', () => {
      expect(fires('0 0 */2 * 1', NEW_YEAR, 6)).toEqual([
        '2026-01-03T00:00:00.000Z',
        '2026-01-05T00:00:00.000Z',
        '2026-01-07T00:00:00.000Z',
        '2026-01-09T00:00:00.000Z',
        '2026-01-11T00:00:00.000Z',
        '2026-01-12T00:00:00.000Z', // even, a Monday
      ]);
    });
  });

  describe('the 5-year horizon', () => {
    it('gives none for dates that never come', () => {
      expect(nextFire('0 0 30 2 *', NEW_YEAR)).toBe('none');
      expect(nextFire('0 0 31 4,6,9,11 *', NEW_YEAR)).toBe('none');
      expect(nextFire('CRON_TZ=Europe/Berlin 0 0 30 2 *', NEW_YEAR)).toBe('none');
    });

    it('gives none when the next fire time is more than 5 years away', () => {
      // 2100 is not a leap year: after 2096 the next 29 February is in 2104.
      expect(nextFire('0 0 29 2 *', '2097-01-01T00:00:00Z')).toBe('none');
      expect(nextFire('0 0 29 2 *', '2095-01-01T00:00:00Z')).toBe('2096-02-29T00:00:00.000Z');
      // 1826 days: exactly 5 years on, still in.
      expect(nextFire('@every 43824h', NEW_YEAR)).toBe('2031-01-01T00:00:00.000Z');
      expect(nextFire('@every 43825h', NEW_YEAR)).toBe('none');
    });

    it('finds a yearly fire time in another zone (its speed is a figure of `npm run bench`)', () => {
      const crontab = parseCrontab('CRON_TZ=America/New_York @yearly');
      const after = new Date('2026-06-15T12:34:56Z');
      expect(crontab.next(after)?.toISOString()).toBe('2027-01-01T05:00:00.000Z');
    });
  });

  describe('@every', () => {
    it('counts from the start of the second of the instant given', () => {
      expect(fires('@every 2s', '2026-03-08T06:59:00.750Z', 2)).toEqual([
        '2026-03-08T06:59:02.000Z',
        '2026-03-08T06:59:04.000Z',
      ]);
      expect(nextFire('@every 1m', '2026-03-08T06:59:00.999Z')).toBe('2026-03-08T07:00:00.000Z');
      expect(nextFire('@every 300ms', '2026-03-08T06:59:00.750Z')).toBe('2026-03-08T06:59:01.000Z');
    });

    it('runs on elapsed time, whatever the zone does', () => {
      // New York springs forward at 07:00Z on 8 March 2026: still exactly an hour apart.
      expect(fires('CRON_TZ=America/New_York @every 1h', '2026-03-08T06:30:00Z', 2)).toEqual([
        '2026-03-08T07:30:00.000Z',
        '2026-03-08T08:30:00.000Z',
      ]);
    });
  });

  it('refuses an invalid Date', () => {
    expect(() => parseCrontab('* * * * *').next(new Date(Number.NaN))).toThrow(RangeError);
    expect(() => parseCrontab('@every 1s').next(new Date(Number.NaN))).toThrow(RangeError);
  });
});
