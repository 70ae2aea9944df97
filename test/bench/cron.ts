/** How fast a crontab's next fire time is found: a tick computes it once per scheduled time it decides. */
import { parseCrontab } from '../../shared/engine/cron/index.ts';

/** Microseconds per `next()` (warm) for a few kinds of crontab. */
export function measureCrontabs(calls = 2000): { crontab: string; micros: number }[] {
  const after = new Date('2026-06-15T12:34:56Z');
  return [
    '* * * * *',
    'CRON_TZ=America/New_York 30 2 * * 1-5',
    'CRON_TZ=Europe/Berlin @yearly',
    '@every 2s',
  ].map((text) => {
    const crontab = parseCrontab(text, { defaultTimeZone: 'UTC' });
    for (let i = 0; i < 50; i++) crontab.next(after);
    const start = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) crontab.next(after);
    return { crontab: text, micros: Number(process.hrtime.bigint() - start) / 1000 / calls };
  });
}
