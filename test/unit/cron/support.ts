import { parseCrontab } from '../../../shared/engine/cron/index.ts';

/** The first `count` fire times after `after`, each from the one before, as ISO strings ('none' at the end). */
export function fires(text: string, after: string, count: number, defaultTimeZone = 'UTC'): string[] {
  const crontab = parseCrontab(text, { defaultTimeZone });
  const found: string[] = [];
  let from = new Date(after);
  while (found.length < count) {
    const fire = crontab.next(from);
    if (fire === undefined) return [...found, 'none'];
    found.push(fire.toISOString());
    from = fire;
  }
  return found;
}

/** The next fire time after `after`, as an ISO string, or 'none'. */
export function nextFire(text: string, after: string, defaultTimeZone = 'UTC'): string {
  return fires(text, after, 1, defaultTimeZone)[0]!;
}
