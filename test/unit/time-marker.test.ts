import { afterEach, describe, expect, it } from 'vitest';
import { MarkerCodec } from '../../shared/http/paging.ts';
import { formatLocalTime, parseLocalTime } from '../../shared/http/time.ts';
import { openTimeMarker, timePageEnvelope } from '../../shared/http/time-marker.ts';
import { fileSystemPosition } from '../../shared/store/filesystems.ts';
import { codeOf } from '../support/pf-error.ts';

const codec = new MarkerCodec(new TextEncoder().encode('a key of thirty-two bytes or so.'));
const originalTz = process.env.TZ;
afterEach(() => {
  process.env.TZ = originalTz;
});

describe('local times', () => {
  it('read "YYYY-MM-DD HH:MM:SS" in the server time zone', () => {
    process.env.TZ = 'Asia/Shanghai';
    expect(parseLocalTime('2022-05-01 10:03:04')?.toISOString()).toBe('2022-05-01T02:03:04.000Z');
    process.env.TZ = 'UTC';
    expect(parseLocalTime('2022-05-01 10:03:04')?.toISOString()).toBe('2022-05-01T10:03:04.000Z');
  });

  it.each(['2022-02-30 10:00:00', '2022-05-01 24:00:00', '2022-5-1 10:00:00', '2022-05-01T10:00:00', 'now'])(
    'refuse %j',
    (text) => {
      expect(parseLocalTime(text)).toBeUndefined();
    },
  );
});

describe('time markers', () => {
  const now = new Date('2024-03-01T12:00:00.000Z');

  it('with none: no bound, and now as the echoed marker', () => {
    expect(openTimeMarker(codec, 'fs', undefined, now)).toEqual({ echo: formatLocalTime(now) });
    expect(openTimeMarker(codec, 'fs', '', now)).toEqual({ echo: formatLocalTime(now) });
  });

  it("PaddleFlow's timestamp: rows created strictly before that second", () => {
    process.env.TZ = 'UTC';
    expect(openTimeMarker(codec, 'fs', '2024-03-01 11:00:00', now)).toEqual({
      below: '2024-03-01T11:00:00.000Z',
      echo: '2024-03-01 11:00:00',
    });
    // A row created at 10:59:59.999 is below; one at 11:00:00.000 is not.
    const { below } = openTimeMarker(codec, 'fs', '2024-03-01 11:00:00', now);
    const position = (createdAt: string) => fileSystemPosition({ createdAt, id: 'fs-a-b' });
    expect(position('2024-03-01T10:59:59.999Z') < below!).toBe(true);
    expect(position('2024-03-01T11:00:00.000Z') < below!).toBe(false);
  });

  it("Floe's own marker: the exact position it was sealed with, in its own list only", () => {
    const sealed = codec.seal('fs', '2024-03-01T11:00:00.123Z#fs-alice-x');
    expect(openTimeMarker(codec, 'fs', sealed, now)).toEqual({
      below: '2024-03-01T11:00:00.123Z#fs-alice-x',
      echo: sealed,
    });
    expect(codeOf(() => openTimeMarker(codec, 'link', sealed, now))).toBe('InvalidMarker');
  });

  it.each(['garbage', '2024-02-31 00:00:00', '2024-03-01 25:00:00'])(
    'refuses %j with InvalidMarker',
    (raw) => {
      expect(codeOf(() => openTimeMarker(codec, 'fs', raw, now))).toBe('InvalidMarker');
    },
  );

  it('envelopes: nextMarker is the last row position when truncated, empty otherwise; [] never null', () => {
    const options = {
      marker: { echo: 'm' },
      listKey: 'fsList',
      list: 'fs',
      markers: codec,
      position: (n: number) => `p${n}`,
      view: (n: number) => ({ n }),
    };
    const truncated = timePageEnvelope({ items: [3, 2], truncated: true }, options);
    expect(truncated).toMatchObject({ marker: 'm', truncated: true, fsList: [{ n: 3 }, { n: 2 }] });
    expect(codec.open('fs', truncated.nextMarker as string)).toBe('p2');
    expect(timePageEnvelope({ items: [], truncated: false }, options)).toEqual({
      marker: 'm',
      truncated: false,
      nextMarker: '',
      fsList: [],
    });
  });
});
