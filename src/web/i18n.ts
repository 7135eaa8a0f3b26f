import type { Context } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { nameAsShown } from '../core/value-shape';
import { isCursor } from '../stores/paging';
import {
  LANGS,
  type Lang,
  MESSAGES,
  type MessageKey,
  ROLE_WORDS,
  type ShownStatus,
  STATUS_WORDS,
} from './messages';

export { LANGS, type Lang, type MessageKey } from './messages';

/** The cookie that keeps the language a browser chose. */
export const LANG_COOKIE = 'lang';
const DEFAULT_LANG: Lang = 'da';
/** Dates and times are shown in Danish time, whatever the language. */
const TIME_ZONE = 'Europe/Copenhagen';

/** What a page needs to speak one language: its texts, status words, dates and numbers. */
export interface Locale {
  lang: Lang;
  /** The text for a key, `{name}` filled in from params. */
  t(key: MessageKey, params?: Record<string, string | number>): string;
  /** A status's word (the value itself when it is not a known status). */
  status(status: string): string;
  role(role: string): string;
  /** Date and time in Danish time: `1.12.2026 kl. 03.15` (da), `1 Dec 2026, 03:15` (en). */
  instant(iso: string): string;
  /** A day: `1. december 2026` (da), `1 December 2026` (en). */
  date(iso: string): string;
  /** A number with the language's separators: `1.234.567` (da), `1,234,567` (en). */
  number(n: number): string;
  /** This page in the other language (the header's switch). */
  switchHref: string;
}

const isLang = (v: unknown): v is Lang => typeof v === 'string' && (LANGS as readonly string[]).includes(v);
const hasKey = <K extends string>(table: Readonly<Record<K, unknown>>, key: string): key is K =>
  Object.hasOwn(table, key);

const formats = new Map<
  Lang,
  { instant: Intl.DateTimeFormat; date: Intl.DateTimeFormat; number: Intl.NumberFormat }
>();
function formatsOf(lang: Lang) {
  let f = formats.get(lang);
  if (!f) {
    const tag = lang === 'da' ? 'da-DK' : 'en-GB';
    f = {
      instant: new Intl.DateTimeFormat(tag, {
        timeZone: TIME_ZONE,
        day: 'numeric',
        month: lang === 'da' ? 'numeric' : 'short',
        year: 'numeric',
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
      }),
      date: new Intl.DateTimeFormat(tag, { timeZone: TIME_ZONE, dateStyle: 'long' }),
      number: new Intl.NumberFormat(tag),
    };
    formats.set(lang, f);
  }
  return f;
}

/** `1.12.2026 kl. 03.15`: put together from the parts, so every ICU build writes it alike. */
function danishInstant(f: Intl.DateTimeFormat, at: Date): string {
  const part = (type: Intl.DateTimeFormatPartTypes) =>
    f.formatToParts(at).find((p) => p.type === type)?.value;
  return `${part('day')}.${part('month')}.${part('year')} kl. ${part('hour')}.${part('minute')}`;
}

/** A locale for a language; `switchHref` is where the header's language link goes. */
export function localeFor(lang: Lang, switchHref = '/'): Locale {
  const f = formatsOf(lang);
  const when = (iso: string, show: (at: Date) => string) => {
    const at = new Date(iso);
    return Number.isNaN(at.getTime()) ? iso : show(at);
  };
  return {
    lang,
    switchHref,
    t(key, params) {
      const text: string = MESSAGES[key][lang];
      if (!params) return text;
      return text.replace(/\{(\w+)\}/g, (m, name: string) =>
        Object.hasOwn(params, name) ? String(params[name]) : m,
      );
    },
    status: (s) => (hasKey<ShownStatus>(STATUS_WORDS, s) ? STATUS_WORDS[s][lang] : s),
    role: (r) => (hasKey(ROLE_WORDS, r) ? ROLE_WORDS[r][lang] : r),
    instant: (iso) =>
      when(iso, (at) => (lang === 'da' ? danishInstant(f.instant, at) : f.instant.format(at))),
    date: (iso) => when(iso, (at) => f.date.format(at)),
    number: (n) => f.number.format(n),
  };
}

/** The dashboard's own paths, and the query values a page may carry into the other language. */
const SHOWN_PATH =
  /^\/(?:expected|national|runs|runs\/run_[0-9A-Z]{26}|municipalities\/\d{3}|deliveries\/dlv_[0-9A-Z]{26})?$/;
const CARRIED = ['dataset', 'municipality', 'period', 'status'] as const;

/** This page's address with `lang` set; a value that might hold a CPR number is left out. */
function switchHrefOf(c: Context, lang: Lang): string {
  const path = SHOWN_PATH.test(c.req.path) ? c.req.path : '/';
  const q = new URLSearchParams();
  for (const k of CARRIED) {
    const v = c.req.query(k)?.slice(0, 64);
    if (v && nameAsShown(v) === v) q.set(k, v);
  }
  const cursor = c.req.query('cursor');
  if (cursor && isCursor('id', cursor)) q.set('cursor', cursor);
  q.set('lang', lang);
  return `${path}?${q.toString()}`;
}

/**
 * The language of this request: `?lang=da|en` (the header's switch, which the browser then
 * keeps in the `lang` cookie: SameSite=Lax, a year, Secure when the connection is HTTPS), else
 * the cookie, else Danish. Accept-Language is not read: the dashboard speaks Danish until
 * someone clicks.
 */
export function localeOf(c: Context, https: boolean): Locale {
  const asked = c.req.query('lang');
  let lang: Lang = DEFAULT_LANG;
  if (isLang(asked)) {
    lang = asked;
    setCookie(c, LANG_COOKIE, lang, {
      path: '/',
      sameSite: 'Lax',
      httpOnly: true,
      secure: https,
      maxAge: 365 * 24 * 3600,
    });
  } else {
    const kept = getCookie(c, LANG_COOKIE);
    if (isLang(kept)) lang = kept;
  }
  c.header('content-language', lang);
  return localeFor(lang, switchHrefOf(c, lang === 'da' ? 'en' : 'da'));
}
