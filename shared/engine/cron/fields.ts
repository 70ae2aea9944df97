/**
 * The five fields of a crontab as robfig/cron v3's `getField`/`getRange` read them, quirks included, since
 * PaddleFlow accepts exactly what they accept: a comma list (empty items dropped) of `*`, `?`, `n` or `a-b`,
 * each with an optional `/step`; `n/step` runs to the field's maximum; after a leading `*` or `?` the rest of
 * the range is ignored (`*-5` is `*`); numbers are `strconv.Atoi`'s (so `+5` is 5).
 */
import { CrontabError } from './errors.ts';
import { strconvAtoi } from './go-text.ts';

interface Bounds {
  readonly min: number;
  readonly max: number;
  readonly names?: ReadonlyMap<string, number>;
}

const MINUTES: Bounds = { min: 0, max: 59 };
const HOURS: Bounds = { min: 0, max: 23 };
const DAYS_OF_MONTH: Bounds = { min: 1, max: 31 };
const MONTHS: Bounds = {
  min: 1,
  max: 12,
  names: numbered('jan feb mar apr may jun jul aug sep oct nov dec', 1),
};
// No 7 for Sunday: robfig refuses it.
const DAYS_OF_WEEK: Bounds = { min: 0, max: 6, names: numbered('sun mon tue wed thu fri sat', 0) };

function numbered(names: string, first: number): ReadonlyMap<string, number> {
  return new Map(names.split(' ').map((name, index) => [name, first + index]));
}

export interface Field {
  readonly text: string;
  /** `allowed[v]`: the field accepts the value v. */
  readonly allowed: readonly boolean[];
  /**
   * robfig's star bit: some item is `*` or `?` without a step above 1 (a step of 2 or more clears it, so a day
   * field of every other day counts as restricted). It decides how day of month and day of week combine.
   */
  readonly star: boolean;
}

export interface Fields {
  readonly minute: Field;
  readonly hour: Field;
  readonly dayOfMonth: Field;
  readonly month: Field;
  readonly dayOfWeek: Field;
}

/** Fields in crontab order: minute, hour, day of month, month, day of week. Throws CrontabError. */
export function parseFields(texts: readonly [string, string, string, string, string]): Fields {
  const [minute, hour, dayOfMonth, month, dayOfWeek] = texts;
  return {
    minute: parseField(minute, MINUTES),
    hour: parseField(hour, HOURS),
    dayOfMonth: parseField(dayOfMonth, DAYS_OF_MONTH),
    month: parseField(month, MONTHS),
    dayOfWeek: parseField(dayOfWeek, DAYS_OF_WEEK),
  };
}

/**
 * Vixie cron's rule, as robfig has it: when either day field has the star bit a day must match both (in effect
 * the other one), otherwise a day matches when either does (`0 0 13 * 5`: every 13th and every Friday).
 */
export function dayMatches(fields: Fields, dayOfMonth: number, dayOfWeek: number): boolean {
  const { dayOfMonth: dom, dayOfWeek: dow } = fields;
  const domMatch = dom.allowed[dayOfMonth] === true;
  const dowMatch = dow.allowed[dayOfWeek] === true;
  return dom.star || dow.star ? domMatch && dowMatch : domMatch || dowMatch;
}

function parseField(text: string, bounds: Bounds): Field {
  const allowed = new Array<boolean>(bounds.max + 1).fill(false);
  let star = false;
  for (const item of text.split(',')) {
    if (item !== '' && parseItem(item, bounds, allowed)) star = true;
  }
  return { text, allowed, star };
}

/** Marks the item's values in `allowed`; whether it sets the star bit. */
function parseItem(item: string, bounds: Bounds, allowed: boolean[]): boolean {
  const rangeAndStep = item.split('/');
  const lowAndHigh = rangeAndStep[0]!.split('-');
  const min = BigInt(bounds.min);
  const max = BigInt(bounds.max);
  let start: bigint;
  let end: bigint;
  let star = false;
  if (lowAndHigh[0] === '*' || lowAndHigh[0] === '?') {
    start = min;
    end = max;
    star = true;
  } else {
    start = parseNumberOrName(lowAndHigh[0]!, bounds);
    if (lowAndHigh.length === 1) end = start;
    else if (lowAndHigh.length === 2) end = parseNumberOrName(lowAndHigh[1]!, bounds);
    else throw new CrontabError(`too many hyphens: ${item}`);
  }
  let step = 1n;
  if (rangeAndStep.length === 2) {
    step = parseNumber(rangeAndStep[1]!);
    if (lowAndHigh.length === 1) end = max;
    if (step > 1n) star = false;
  } else if (rangeAndStep.length > 2) throw new CrontabError(`too many slashes: ${item}`);

  if (start < min) throw new CrontabError(`beginning of range (${start}) below minimum (${min}): ${item}`);
  if (end > max) throw new CrontabError(`end of range (${end}) above maximum (${max}): ${item}`);
  if (start > end)
    throw new CrontabError(`beginning of range (${start}) beyond end of range (${end}): ${item}`);
  if (step === 0n) throw new CrontabError(`step of range should be a positive number: ${item}`);

  const last = Number(end);
  const stride = Number(step);
  for (let value = Number(start); value <= last; value += stride) allowed[value] = true;
  return star;
}

function parseNumberOrName(text: string, bounds: Bounds): bigint {
  const named = bounds.names?.get(text.toLowerCase());
  return named === undefined ? parseNumber(text) : BigInt(named);
}

function parseNumber(text: string): bigint {
  const parsed = strconvAtoi(text);
  if (!parsed.ok) throw new CrontabError(`failed to parse int from ${text}: ${parsed.error}`);
  if (parsed.value < 0n) throw new CrontabError(`negative number (${parsed.value}) not allowed: ${text}`);
  return parsed.value;
}
