/** A crontab PaddleFlow would refuse. The message is robfig/cron's where there is one: a 400 shows it as is. */
export class CrontabError extends Error {
  override readonly name = 'CrontabError';
}
