import { afterEach, describe, expect, it } from 'vitest';
import { formatLocalTime, formatRfc3339 } from '../../shared/http/time.ts';

const originalTz = process.env.TZ;
afterEach(() => {
  process.env.TZ = originalTz;
});

const instant = new Date('2022-05-01T02:03:04.567Z');

describe('PaddleFlow time formats', () => {
  it('renders local "YYYY-MM-DD HH:MM:SS"', () => {
    process.env.TZ = 'Asia/Shanghai';
    expect(formatLocalTime(instant)).toBe('2022-05-01 10:03:04');
    process.env.TZ = 'UTC';
    expect(formatLocalTime(instant)).toBe('2022-05-01 02:03:04');
  });

  it('renders RFC3339 with the local offset, and Z at UTC, as Go does', () => {
    process.env.TZ = 'Asia/Shanghai';
    expect(formatRfc3339(instant)).toBe('2022-05-01T10:03:04+08:00');
    process.env.TZ = 'America/St_Johns';
    expect(formatRfc3339(instant)).toBe('2022-04-30T23:33:04-02:30');
    process.env.TZ = 'UTC';
    expect(formatRfc3339(instant)).toBe('2022-05-01T02:03:04Z');
  });
});
