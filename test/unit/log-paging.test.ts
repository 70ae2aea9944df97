/**
 * PaddleFlow's log paging (kube_runtime_client.go GetTaskLog, logic_paging.go) and the /log/run query.
 */
import { describe, expect, it } from 'vitest';
import { type LogPageQuery, pageLog, parseRunLogQuery } from '../../shared/services/log-paging.ts';

/** `count` lines `l1`… each ending with a newline. */
const lines = (count: number, from = 1) => Array.from({ length: count }, (_, i) => `l${from + i}\n`).join('');
const end = (pageNo: number, pageSize: number): LogPageQuery => ({ pageNo, pageSize, position: 'end' });
const begin = (pageNo: number, pageSize: number): LogPageQuery => ({ pageNo, pageSize, position: 'begin' });
const page = (logContent: string, hasNextPage = false, truncated = false) => ({
  logContent,
  hasNextPage,
  truncated,
});

describe('paging from the end', () => {
  const text = lines(10);

  it('pages backwards from the last line', () => {
    expect(pageLog(text, end(1, 3))).toEqual(page('l8\nl9\nl10\n', true));
    expect(pageLog(text, end(2, 3))).toEqual(page('l5\nl6\nl7\n', true));
    expect(pageLog(text, end(3, 3))).toEqual(page('l2\nl3\nl4\n', true));
  });

  it('ends with the first lines on the last page', () => {
    expect(pageLog(text, end(4, 3))).toEqual(page('l1\n'));
    expect(pageLog(text, end(1, 10))).toEqual(page(lines(10)));
    expect(pageLog(text, end(1, 100))).toEqual(page(lines(10)));
    expect(pageLog(text, end(2, 5))).toEqual(page(lines(5)));
  });

  it('gives nothing beyond the end', () => {
    expect(pageLog(text, end(5, 3))).toEqual(page(''));
    expect(pageLog(text, end(2, 10))).toEqual(page(''));
  });

  it('takes the last 5000 lines and says so on the last page', () => {
    const long = lines(6000);
    expect(pageLog(long, end(1, 100))).toEqual(page(lines(100, 5901), true));
    expect(pageLog(long, end(50, 100))).toEqual(page(lines(100, 1001), false, true));
    expect(pageLog(long, end(51, 100))).toEqual(page(''));
  });

  it('counts exactly 5000 lines as truncated, 4999 as not (as PaddleFlow does)', () => {
    expect(pageLog(lines(5000), end(50, 100)).truncated).toBe(true);
    expect(pageLog(lines(4999), end(50, 100))).toEqual(page(lines(99), false, false));
  });

  it('counts a last line without a newline', () => {
    const text = `${lines(5000)}partial`;
    expect(pageLog(text, end(1, 2))).toEqual(page('l5000\npartial\n', true));
    expect(pageLog(text, end(50, 100))).toEqual(page(lines(100, 2), false, true));
  });
});

describe('paging from the beginning', () => {
  const text = lines(10);

  it('pages forwards from the first line', () => {
    expect(pageLog(text, begin(1, 3))).toEqual(page('l1\nl2\nl3\n', true));
    expect(pageLog(text, begin(3, 3))).toEqual(page('l7\nl8\nl9\n', true));
    expect(pageLog(text, begin(4, 3))).toEqual(page('l10\n'));
    expect(pageLog(text, begin(2, 5))).toEqual(page(lines(5, 6)));
    expect(pageLog(text, begin(5, 3))).toEqual(page(''));
  });

  it('takes the first 500000 bytes, cutting a line, and says so on the last page', () => {
    // 6000 lines of 100 bytes: the window holds exactly 5000 of them.
    const long = Array.from({ length: 6000 }, (_, i) => `${String(i + 1).padStart(99, '0')}\n`).join('');
    expect(pageLog(long, begin(1, 100))).toEqual({ ...page(long.slice(0, 100 * 100), true) });
    expect(pageLog(long, begin(50, 100))).toEqual(page(long.slice(4900 * 100, 5000 * 100), false, true));
    expect(pageLog(long, begin(51, 100))).toEqual(page(''));

    const cut = `${'a'.repeat(499990)}\n${'b'.repeat(100)}\n`;
    expect(pageLog(cut, begin(1, 100))).toEqual(
      page(`${'a'.repeat(499990)}\n${'b'.repeat(9)}\n`, false, true),
    );
  });

  it('measures the window in bytes, not characters', () => {
    expect(pageLog('é'.repeat(250001), begin(1, 100)).truncated).toBe(true);
    expect(pageLog('é'.repeat(249999), begin(1, 100)).truncated).toBe(false);
    expect(pageLog('a'.repeat(500000), begin(1, 100)).truncated).toBe(true);
    expect(pageLog('a'.repeat(499999), begin(1, 100)).truncated).toBe(false);
  });
});

describe('log text edge cases', () => {
  it('gives nothing for no log or an empty one', () => {
    expect(pageLog(null, end(1, 100))).toEqual(page(''));
    expect(pageLog('', end(1, 100))).toEqual(page(''));
    expect(pageLog('', begin(1, 100))).toEqual(page(''));
    expect(pageLog('', end(2, 100))).toEqual(page(''));
  });

  it('drops trailing empty lines, keeps inner ones, and always ends with a newline', () => {
    expect(pageLog('a\n\n\n', end(1, 100))).toEqual(page('a\n'));
    expect(pageLog('a\n\nb\n', begin(1, 2))).toEqual(page('a\n\n', true));
    expect(pageLog('a\nb', end(1, 100))).toEqual(page('a\nb\n'));
    expect(pageLog('a\n\n\n', end(2, 1))).toEqual(page(''));
  });
});

describe('the /log/run query', () => {
  it('has PaddleFlow defaults', () => {
    expect(parseRunLogQuery({})).toEqual({ ok: true, value: { pageNo: 1, pageSize: 100, position: 'end' } });
    expect(parseRunLogQuery({ pageNo: '0', pageSize: '0', logFilePosition: '', jobID: '' })).toEqual({
      ok: true,
      value: { pageNo: 1, pageSize: 100, position: 'end' },
    });
  });

  it('reads every parameter', () => {
    expect(
      parseRunLogQuery({ jobID: 'job-1', pageNo: '3', pageSize: '+20', logFilePosition: 'begin' }),
    ).toEqual({ ok: true, value: { jobId: 'job-1', pageNo: 3, pageSize: 20, position: 'begin' } });
    expect(parseRunLogQuery({ pageSize: '100' })).toMatchObject({ ok: true, value: { pageSize: 100 } });
  });

  it('refuses a page size over 100', () => {
    expect(parseRunLogQuery({ pageSize: '101' })).toEqual({
      ok: false,
      message: 'LogPageSize over max value',
    });
  });

  it('refuses numbers that are not integers, with Go strconv messages', () => {
    expect(parseRunLogQuery({ pageNo: 'abc' })).toEqual({
      ok: false,
      message: 'strconv.Atoi: parsing "abc": invalid syntax',
    });
    expect(parseRunLogQuery({ pageSize: '1.5' })).toEqual({
      ok: false,
      message: 'strconv.Atoi: parsing "1.5": invalid syntax',
    });
    expect(parseRunLogQuery({ pageNo: '99999999999999999999' })).toEqual({
      ok: false,
      message: 'strconv.Atoi: parsing "99999999999999999999": value out of range',
    });
  });

  it('refuses a wrong position', () => {
    expect(parseRunLogQuery({ logFilePosition: 'middle' })).toEqual({
      ok: false,
      message: 'LogFilePosition has wrong value',
    });
  });

  it('refuses negative numbers', () => {
    expect(parseRunLogQuery({ pageNo: '-1' })).toMatchObject({ ok: false });
    expect(parseRunLogQuery({ pageSize: '-5' })).toMatchObject({ ok: false });
  });
});
