/**
 * Wall-clock fields in a zone, and Floe's DST rules (Vixie cron / cronie): a fixed-time schedule (no `*` or
 * `?` in minute or hour) due in a spring-forward gap fires once as the gap ends, and at the first pass only
 * of a fall-back; a wildcard schedule skips the gap and fires in both passes.
 */
import { describe, expect, it } from 'vitest';
import { fires, nextFire } from './support.ts';

describe('zones with offsets off the hour', () => {
  it('Asia/Kolkata (+05:30)', () => {
    expect(nextFire('0 9 * * *', '2026-01-01T00:00:00Z', 'Asia/Kolkata')).toBe('2026-01-01T03:30:00.000Z');
    expect(fires('0 * * * *', '2026-01-01T00:00:00Z', 2, 'Asia/Kolkata')).toEqual([
      '2026-01-01T00:30:00.000Z',
      '2026-01-01T01:30:00.000Z',
    ]);
  });

  it('Asia/Kathmandu (+05:45), midnight on the day before in UTC', () => {
    expect(nextFire('@daily', '2026-01-01T00:00:00Z', 'Asia/Kathmandu')).toBe('2026-01-01T18:15:00.000Z');
  });

  // Lord Howe Island: +10:30, and +11 in summer. Clocks go 02:00 → 02:30 on 4 October 2026 (15:30Z on the 3rd)
  // and 02:00 → 01:30 on 5 April 2026 (15:00Z on the 4th).
  describe('Australia/Lord_Howe (a 30-minute DST shift)', () => {
    const zone = 'Australia/Lord_Howe';

    it('a fixed time in the gap fires as it ends', () => {
      expect(fires('15 2 * * *', '2026-10-03T15:00:00Z', 2, zone)).toEqual([
        '2026-10-03T15:30:00.000Z', // 02:30 +11
        '2026-10-04T15:15:00.000Z', // 02:15 +11
      ]);
    });

    it('a wildcard schedule skips the gap', () => {
      expect(fires('*/20 * * * *', '2026-10-03T15:25:00Z', 2, zone)).toEqual([
        '2026-10-03T15:40:00.000Z', // 02:40 +11; 02:00 and 02:20 never happen
        '2026-10-03T16:00:00.000Z',
      ]);
    });

    it('a repeated half hour: fixed time once, wildcard twice', () => {
      expect(fires('45 1 * * *', '2026-04-04T14:00:00Z', 2, zone)).toEqual([
        '2026-04-04T14:45:00.000Z', // 01:45 +11
        '2026-04-05T15:15:00.000Z', // 01:45 +10:30 the next day
      ]);
      expect(fires('45 * * * *', '2026-04-04T14:00:00Z', 3, zone)).toEqual([
        '2026-04-04T14:45:00.000Z', // 01:45 +11
        '2026-04-04T15:15:00.000Z', // 01:45 +10:30
        '2026-04-04T16:15:00.000Z', // 02:45 +10:30
      ]);
    });
  });
});

// New York, 2026: 02:00 EST → 03:00 EDT on 8 March (07:00Z); 02:00 EDT → 01:00 EST on 1 November (06:00Z).
describe('America/New_York DST', () => {
  const zone = 'America/New_York';

  describe('spring forward', () => {
    it('a fixed time in the gap fires once, at the first instant after it', () => {
      expect(fires('30 2 * * *', '2026-03-08T06:59:00Z', 3, zone)).toEqual([
        '2026-03-08T07:00:00.000Z', // 03:00 EDT
        '2026-03-09T06:30:00.000Z', // 02:30 EDT
        '2026-03-10T06:30:00.000Z',
      ]);
      expect(nextFire('30 2 * * *', '2026-03-07T07:30:00Z', zone)).toBe('2026-03-08T07:00:00.000Z');
    });

    it('several fixed times in the gap collapse into one', () => {
      expect(fires('0,15,30,45 2 * * *', '2026-03-08T06:59:00Z', 3, zone)).toEqual([
        '2026-03-08T07:00:00.000Z',
        '2026-03-09T06:00:00.000Z',
        '2026-03-09T06:15:00.000Z',
      ]);
      expect(fires('30 2,3 * * *', '2026-03-08T06:59:00Z', 3, zone)).toEqual([
        '2026-03-08T07:00:00.000Z', // 02:30, at 03:00 EDT
        '2026-03-08T07:30:00.000Z', // 03:30 EDT
        '2026-03-09T06:30:00.000Z',
      ]);
    });

    it('the gap fire is not repeated once passed', () => {
      expect(nextFire('30 2 * * *', '2026-03-08T07:00:00Z', zone)).toBe('2026-03-09T06:30:00.000Z');
    });

    it('a wildcard schedule has no fire times in the gap', () => {
      expect(fires('30 * * * *', '2026-03-08T06:45:00Z', 2, zone)).toEqual([
        '2026-03-08T07:30:00.000Z', // 03:30 EDT: 02:30 never happens
        '2026-03-08T08:30:00.000Z',
      ]);
      // Every minute of 02:xx: none on 8 March, and no catch-up at 03:00.
      expect(nextFire('* 2 * * *', '2026-03-08T06:58:00Z', zone)).toBe('2026-03-09T06:00:00.000Z');
    });
  });

  describe('fall back', () => {
    it('a fixed time fires at the first pass only', () => {
      expect(fires('30 1 * * *', '2026-11-01T05:00:00Z', 2, zone)).toEqual([
        '2026-11-01T05:30:00.000Z', // 01:30 EDT
        '2026-11-02T06:30:00.000Z', // 01:30 EST the next day; not 06:30Z on the 1st
      ]);
      expect(nextFire('30 1 * * *', '2026-11-01T06:10:00Z', zone)).toBe('2026-11-02T06:30:00.000Z');
      expect(nextFire('0 2 * * *', '2026-11-01T05:30:00Z', zone)).toBe('2026-11-01T07:00:00.000Z');
    });

    it('a wildcard schedule fires in both passes', () => {
      expect(fires('30 * * * *', '2026-11-01T05:00:00Z', 3, zone)).toEqual([
        '2026-11-01T05:30:00.000Z', // 01:30 EDT
        '2026-11-01T06:30:00.000Z', // 01:30 EST
        '2026-11-01T07:30:00.000Z', // 02:30 EST
      ]);
      expect(fires('*/15 * * * *', '2026-11-01T05:50:00Z', 2, zone)).toEqual([
        '2026-11-01T06:00:00.000Z', // 01:00 EST
        '2026-11-01T06:15:00.000Z',
      ]);
      expect(fires('@hourly', '2026-11-01T04:30:00Z', 3, zone)).toEqual([
        '2026-11-01T05:00:00.000Z',
        '2026-11-01T06:00:00.000Z',
        '2026-11-01T07:00:00.000Z',
      ]);
    });
  });
});

// Berlin, 2026: 02:00 CET → 03:00 CEST on 29 March (01:00Z); 03:00 CEST → 02:00 CET on 25 October (01:00Z).
describe('Europe/Berlin DST', () => {
  const zone = 'Europe/Berlin';

  it('spring forward: fixed time at the end of the gap, wildcard skips it', () => {
    expect(fires('30 2 * * *', '2026-03-29T00:00:00Z', 2, zone)).toEqual([
      '2026-03-29T01:00:00.000Z', // 03:00 CEST
      '2026-03-30T00:30:00.000Z', // 02:30 CEST
    ]);
    expect(fires('30 * * * *', '2026-03-29T00:45:00Z', 2, zone)).toEqual([
      '2026-03-29T01:30:00.000Z', // 03:30 CEST
      '2026-03-29T02:30:00.000Z',
    ]);
  });

  it('fall back: fixed time once, wildcard in both passes', () => {
    expect(fires('30 2 * * *', '2026-10-25T00:00:00Z', 2, zone)).toEqual([
      '2026-10-25T00:30:00.000Z', // 02:30 CEST
      '2026-10-26T01:30:00.000Z', // 02:30 CET the next day
    ]);
    expect(fires('0 2 * * *', '2026-10-24T23:00:00Z', 2, zone)).toEqual([
      '2026-10-25T00:00:00.000Z',
      '2026-10-26T01:00:00.000Z',
    ]);
    expect(fires('30 * * * *', '2026-10-25T00:00:00Z', 3, zone)).toEqual([
      '2026-10-25T00:30:00.000Z', // 02:30 CEST
      '2026-10-25T01:30:00.000Z', // 02:30 CET
      '2026-10-25T02:30:00.000Z', // 03:30 CET
    ]);
  });

  it('a `*` in the minute field alone makes a schedule wildcard', () => {
    expect(fires('*/20 2 * * *', '2026-10-24T23:59:00Z', 7, zone)).toEqual([
      '2026-10-25T00:00:00.000Z', // 02:00 CEST
      '2026-10-25T00:20:00.000Z',
      '2026-10-25T00:40:00.000Z',
      '2026-10-25T01:00:00.000Z', // 02:00 CET
      '2026-10-25T01:20:00.000Z',
      '2026-10-25T01:40:00.000Z',
      '2026-10-26T01:00:00.000Z',
    ]);
  });
});

// Sydney, 2026: 03:00 AEDT → 02:00 AEST on 5 April (16:00Z on the 4th); 02:00 AEST → 03:00 AEDT on 4 October
// (16:00Z on the 3rd).
describe('Australia/Sydney (southern hemisphere)', () => {
  const zone = 'Australia/Sydney';

  it('summer and winter offsets', () => {
    expect(nextFire('0 9 * * *', '2026-01-10T00:00:00Z', zone)).toBe('2026-01-10T22:00:00.000Z'); // +11
    expect(nextFire('0 9 * * *', '2026-07-10T00:00:00Z', zone)).toBe('2026-07-10T23:00:00.000Z'); // +10
  });

  it('fall back in April', () => {
    expect(fires('30 2 * * *', '2026-04-04T15:00:00Z', 2, zone)).toEqual([
      '2026-04-04T15:30:00.000Z', // 02:30 AEDT
      '2026-04-05T16:30:00.000Z', // 02:30 AEST on the 6th
    ]);
    expect(fires('30 * * * *', '2026-04-04T15:00:00Z', 3, zone)).toEqual([
      '2026-04-04T15:30:00.000Z', // 02:30 AEDT
      '2026-04-04T16:30:00.000Z', // 02:30 AEST
      '2026-04-04T17:30:00.000Z',
    ]);
  });

  it('spring forward in October', () => {
    expect(fires('30 2 * * *', '2026-10-03T15:00:00Z', 2, zone)).toEqual([
      '2026-10-03T16:00:00.000Z', // 03:00 AEDT
      '2026-10-04T15:30:00.000Z', // 02:30 AEDT on the 5th
    ]);
    expect(nextFire('30 * * * *', '2026-10-03T15:45:00Z', zone)).toBe('2026-10-03T16:30:00.000Z'); // 03:30 AEDT
  });
});

// Santiago springs forward at midnight (00:00 → 01:00 on 6 September 2026, 04:00Z) and falls back from
// midnight to 23:00 (5 April 2026, 03:00Z).
describe('America/Santiago (DST at midnight)', () => {
  const zone = 'America/Santiago';

  it('@daily is fixed-time: the skipped midnight fires at 01:00', () => {
    expect(fires('@daily', '2026-09-05T00:00:00Z', 3, zone)).toEqual([
      '2026-09-05T04:00:00.000Z', // 00:00 -04
      '2026-09-06T04:00:00.000Z', // 01:00 -03
      '2026-09-07T03:00:00.000Z', // 00:00 -03
    ]);
  });

  it('a fixed time in the repeated hour fires at its first pass only', () => {
    expect(fires('30 23 * * *', '2026-04-04T12:00:00Z', 2, zone)).toEqual([
      '2026-04-05T02:30:00.000Z', // 23:30 -03
      '2026-04-06T03:30:00.000Z', // 23:30 -04 the next day
    ]);
  });
});
