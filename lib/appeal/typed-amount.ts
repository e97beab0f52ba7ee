// Reading the amount a reader types in "another amount": the number written their way
// ("1.000" is a thousand in German, "1,000" in English, "25.00" is 25 in either), and any
// currency sign or code typed with it, so an amount typed in another currency than the form's
// is refused rather than charged in the form's ("EUR 25" on a dollar form).

const decimalMarks = new Map<string, string>();

/** The locale's decimal mark: "." for en-US, "," for de-DE. */
function decimalMark(locale: string): string {
  let mark = decimalMarks.get(locale);
  if (mark === undefined) {
    mark = new Intl.NumberFormat(locale).formatToParts(1.5).find((p) => p.type === 'decimal')?.value ?? '.';
    decimalMarks.set(locale, mark);
  }
  return mark;
}

/** The currencies a sign can mean; a three-letter code means itself. */
const SIGNS: Readonly<Record<string, readonly string[]>> = {
  '€': ['eur'],
  '£': ['gbp'],
  '¥': ['jpy', 'cny'],
  '₹': ['inr'],
  zł: ['pln'],
  kr: ['sek', 'nok', 'dkk', 'isk'],
  $: ['usd', 'cad', 'aud', 'nzd', 'sgd', 'hkd', 'mxn', 'brl'],
  us$: ['usd'],
  c$: ['cad'],
  ca$: ['cad'],
  a$: ['aud'],
  au$: ['aud'],
  nz$: ['nzd'],
  s$: ['sgd'],
  hk$: ['hkd'],
  mx$: ['mxn'],
  r$: ['brl'],
};

const MARK = '([A-Za-z]{3}|[A-Za-z]{1,2}\\$|[$€£¥₹]|zł|kr)';
const LEADING = new RegExp(`^${MARK}\\s*`, 'i');
const TRAILING = new RegExp(`\\s*${MARK}$`, 'i');

export interface TypedAmount {
  /** Digits with "." for decimals ("1000", "25.50"), or the text as typed when it is no number. */
  number: string;
  /** The currencies a typed sign or code could mean; null when none was typed. */
  currencies: readonly string[] | null;
}

const CODES = new Set(Intl.supportedValuesOf('currency').map((c) => c.toLowerCase()));

/** The currencies a mark can mean, or null when it is no currency's (a word such as "ten"). */
function currenciesOf(mark: string): readonly string[] | null {
  const key = mark.toLowerCase();
  return SIGNS[key] ?? (CODES.has(key) ? [key] : null);
}

export function readTypedAmount(raw: string, locale = 'en-US'): TypedAmount {
  let s = raw.trim();
  let currencies: readonly string[] | null = null;
  // A mark goes only when it is a currency's and a number is left beside it.
  for (const re of [LEADING, TRAILING]) {
    const m = re.exec(s);
    const rest = m ? (re === LEADING ? s.slice(m[0].length) : s.slice(0, -m[0].length)) : '';
    const meant = m ? currenciesOf(m[1]!) : null;
    if (m && meant && /\d/.test(rest)) {
      currencies ??= meant;
      s = rest;
    }
  }
  return { number: normalise(s.replace(/[\s\u00a0\u202f']/g, ''), locale), currencies };
}

/** Only the shapes people write: plain digits, the locale's own groups of three, one decimal mark. */
function normalise(s: string, locale: string): string {
  if (/^\d+$/.test(s)) return s;
  const dec = decimalMark(locale) === ',' ? ',' : '.';
  const grp = dec === ',' ? '\\.' : ',';
  const d = dec === ',' ? ',' : '\\.';
  const grouped = new RegExp(`^(\\d{1,3}(?:${grp}\\d{3})+)(?:${d}(\\d+))?$`).exec(s);
  if (grouped) return grouped[1]!.replace(/[.,]/g, '') + (grouped[2] === undefined ? '' : `.${grouped[2]}`);
  const decimal = new RegExp(`^(\\d+)${d}(\\d+)$`).exec(s);
  if (decimal) return `${decimal[1]}.${decimal[2]}`;
  // The other convention's decimal mark before cents ("25.00" typed on a German page).
  const cents = /^(\d+)[.,](\d{1,2})$/.exec(s);
  if (cents) return `${cents[1]}.${cents[2]}`;
  return s;
}
