// HTTP-date (RFC 9110 §5.6.7): the IMF-fixdate, and the obsolete RFC 850 and asctime forms every
// recipient must also accept; anything else is invalid. Not Date.parse: it takes "2099", ISO dates
// and local times, and an Expires of "2099" must mean already expired (RFC 9111 §5.3), not fresh for
// decades. HTTP-date is case-sensitive and always GMT.

const MONTH = '(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)';
const DAY_NAME = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)';
const TIME = '(\\d{2}):(\\d{2}):(\\d{2})';
const IMF_FIXDATE = new RegExp(`^${DAY_NAME}, (\\d{2}) ${MONTH} (\\d{4}) ${TIME} GMT$`);
const RFC850_DATE = new RegExp(`^(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), (\\d{2})-${MONTH}-(\\d{2}) ${TIME} GMT$`);
const ASCTIME_DATE = new RegExp(`^${DAY_NAME} ${MONTH} ( \\d|\\d{2}) ${TIME} (\\d{4})$`);
const MONTHS = 'JanFebMarAprMayJunJulAugSepOctNovDec';

/** An HTTP-date in epoch ms; NaN when the value is not one. */
export function parseHttpDate(value: string): number {
  const text = value.trim();
  let m = IMF_FIXDATE.exec(text);
  if (m !== null) return utc(Number(m[3]), m[2]!, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6]));
  m = RFC850_DATE.exec(text);
  if (m !== null) return utc(fullYear(Number(m[3])), m[2]!, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6]));
  m = ASCTIME_DATE.exec(text);
  if (m !== null) return utc(Number(m[6]), m[1]!, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]));
  return NaN;
}

/** A two-digit year more than 50 years in the future is the most recent past year with those digits. */
function fullYear(twoDigits: number): number {
  const now = new Date().getUTCFullYear();
  const year = now - (now % 100) + twoDigits;
  return year > now + 50 ? year - 100 : year;
}

function utc(year: number, month: string, day: number, hour: number, minute: number, second: number): number {
  if (hour > 23 || minute > 59 || second > 60 || day < 1) return NaN;
  const date = new Date(0);
  date.setUTCFullYear(year, MONTHS.indexOf(month) / 3, day);
  // A day the month does not have (31 Feb) would roll over into the next month.
  if (date.getUTCDate() !== day) return NaN;
  // 60: a leap second, the instant after :59.
  return date.setUTCHours(hour, minute, Math.min(second, 59)) + (second === 60 ? 1000 : 0);
}
