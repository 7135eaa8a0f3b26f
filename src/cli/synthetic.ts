/**
 * Deterministic synthetic deliveries for demos, tests and the benchmark. Every CPR number
 * made here is synthetic: a valid date part and random digits, tied to no one's records.
 */

export type SyntheticFormat = 'xml' | 'csv' | 'ndjson';

export type SyntheticDataset = 'daycare' | 'eldercare';

export interface SyntheticOptions {
  dataset: SyntheticDataset;
  records: number;
  format: SyntheticFormat;
  seed?: number;
  /** Share of records (0–1) made invalid on purpose, each in one of several ways. */
  invalidShare?: number;
  municipality?: string;
  period?: string;
  /** Put dataset, municipality and period on the XML root element. */
  rootAttributes?: boolean;
  /** Records (0-based) made invalid in a chosen way, on top of any `invalidShare`. */
  faults?: ReadonlyMap<number, SyntheticFault>;
}

/**
 * A chosen way to make one record invalid: a CPR number of 9 digits, a code not in the list,
 * a number above the field's maximum, an end date before the start date.
 */
export type SyntheticFault = 'cpr' | 'code' | 'max' | 'order';

export const SYNTHETIC_FAULTS: readonly SyntheticFault[] = ['cpr', 'code', 'max', 'order'];

/** The rule each fault breaks, as the gateway names it in a rejection's issues. */
export const FAULT_RULES: Record<SyntheticDataset, Record<SyntheticFault, string>> = {
  daycare: { cpr: 'cpr', code: 'code', max: 'max', order: 'endDate-not-before-startDate' },
  eldercare: { cpr: 'cpr', code: 'code', max: 'max', order: 'endDate-not-before-grantDate' },
};

const dayBefore = (date: string) =>
  new Date(Date.parse(`${date}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);

function applyFault(dataset: SyntheticDataset, r: Record<string, string | undefined>, fault: SyntheticFault) {
  switch (fault) {
    case 'cpr':
      r.cpr = (r.cpr ?? '0101200000').slice(0, 9);
      break;
    case 'code':
      if (dataset === 'daycare') r.careType = 'fritidshjem';
      else r.serviceType = 'hjemmesygepleje';
      break;
    case 'max':
      if (dataset === 'daycare') r.weeklyHours = '75';
      else r.grantedMinutesPerWeek = '20000';
      break;
    default:
      r.endDate = dayBefore((dataset === 'daycare' ? r.startDate : r.grantDate) ?? '2026-01-01');
  }
}

/** mulberry32: small, fast, and the same sequence for the same seed on every platform. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NAMES = [
  'Børnehuset Solsikken',
  'Vuggestuen Mælkebøtten',
  'Dagplejen Østerbro',
  'Integreret institution Åbakken',
  'Børnehaven Skovtrolden',
  'Vuggestuen Lærkereden',
  'Børnehuset Fjordglimt',
  'Naturbørnehaven Ådalen',
  'Dagplejen Søndermarken',
  'Børnegården "Tusindfryd" & Co',
];
const CARE_TYPES = ['dagpleje', 'vuggestue', 'boernehave', 'integreret'] as const;

export interface DaycareRecord {
  cpr?: string;
  institutionId?: string;
  institutionName?: string;
  careType?: string;
  startDate?: string;
  endDate?: string;
  weeklyHours?: string;
  privateProvider?: string;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

export function daycareRecords(
  opts: Pick<SyntheticOptions, 'records' | 'seed' | 'invalidShare'>,
): Generator<DaycareRecord> {
  const rnd = prng(opts.seed ?? 1);
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const institutions = Array.from({ length: 40 }, (_, i) => ({
    id: `10${pad(int(0, 99_999_999), 8)}`,
    name: `${NAMES[i % NAMES.length]}${i >= NAMES.length ? ` ${Math.floor(i / NAMES.length) + 1}` : ''}`,
    careType: CARE_TYPES[i % CARE_TYPES.length] as string,
    private: rnd() < 0.15,
  }));
  return (function* () {
    for (let i = 0; i < opts.records; i++) {
      const inst = institutions[int(0, institutions.length - 1)] as (typeof institutions)[number];
      // Children born 2020–2025: DDMMYY, then a 7th digit 5–8 (born 2000–2057) and three random digits.
      const year = int(2020, 2025);
      const month = int(1, 12);
      const day = int(1, new Date(Date.UTC(year, month, 0)).getUTCDate());
      const cpr = `${pad(day)}${pad(month)}${pad(year % 100)}${int(5, 8)}${pad(int(0, 999), 3)}`;
      const start = new Date(Date.UTC(year + 1, int(0, 11), int(1, 28)));
      const startDate = start.toISOString().slice(0, 10);
      const ended = rnd() < 0.1;
      const endDate = ended
        ? new Date(start.getTime() + int(30, 700) * 86_400_000).toISOString().slice(0, 10)
        : undefined;
      const r: DaycareRecord = {
        cpr,
        institutionId: inst.id,
        institutionName: inst.name,
        careType: inst.careType,
        startDate,
        endDate,
        weeklyHours: (int(40, 100) / 2).toFixed(1),
        privateProvider: inst.private ? 'true' : 'false',
      };
      if (opts.invalidShare && rnd() < opts.invalidShare) {
        switch (int(0, 4)) {
          case 0:
            r.cpr = `3102${pad(year % 100)}${int(5, 8)}${pad(int(0, 999), 3)}`; // 31 February
            break;
          case 1:
            r.careType = 'fritidshjem';
            break;
          case 2:
            r.endDate = new Date(start.getTime() - 86_400_000).toISOString().slice(0, 10);
            break;
          case 3:
            r.weeklyHours = '75';
            break;
          default:
            r.institutionId = undefined;
        }
      }
      yield r;
    }
  })();
}

export interface EldercareRecord {
  cpr?: string;
  serviceType?: string;
  providerKind?: string;
  grantedMinutesPerWeek?: string;
  deliveredMinutes?: string;
  grantDate?: string;
  endDate?: string;
}

const SERVICE_TYPES = ['personlig-pleje', 'praktisk-hjaelp', 'madservice'] as const;

export function eldercareRecords(
  opts: Pick<SyntheticOptions, 'records' | 'seed' | 'invalidShare'>,
): Generator<EldercareRecord> {
  const rnd = prng(opts.seed ?? 1);
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  return (function* () {
    for (let i = 0; i < opts.records; i++) {
      // Citizens born 1925–1960: a 7th digit 0–3 means born 1900–1999.
      const year = int(1925, 1960);
      const month = int(1, 12);
      const day = int(1, new Date(Date.UTC(year, month, 0)).getUTCDate());
      const tail = `${int(0, 3)}${pad(int(0, 999), 3)}`;
      const cpr = `${pad(day)}${pad(month)}${pad(year % 100)}${tail}`;
      const grant = new Date(Date.UTC(int(2018, 2026), int(0, 11), int(1, 28)));
      const granted = int(1, 40) * 15;
      const r: EldercareRecord = {
        cpr,
        serviceType: SERVICE_TYPES[int(0, SERVICE_TYPES.length - 1)],
        providerKind: rnd() < 0.3 ? 'privat' : 'kommunal',
        grantedMinutesPerWeek: String(granted),
        deliveredMinutes: String(Math.round(granted * 4.3 * (0.8 + rnd() * 0.25))),
        grantDate: grant.toISOString().slice(0, 10),
        endDate:
          rnd() < 0.08
            ? new Date(grant.getTime() + int(14, 400) * 86_400_000).toISOString().slice(0, 10)
            : undefined,
      };
      if (opts.invalidShare && rnd() < opts.invalidShare) {
        switch (int(0, 3)) {
          case 0:
            r.cpr = `3104${pad(year % 100)}${tail}`; // 31 April
            break;
          case 1:
            r.serviceType = 'hjemmesygepleje';
            break;
          case 2:
            r.grantedMinutesPerWeek = '20000';
            break;
          default:
            r.endDate = new Date(grant.getTime() - 86_400_000).toISOString().slice(0, 10);
        }
      }
      yield r;
    }
  })();
}

type AnyRecord = Record<string, string | undefined>;

interface DatasetShape {
  fields: readonly string[];
  namespace: string;
  record: string;
  records(opts: SyntheticOptions): Generator<AnyRecord>;
}

const SHAPES: Record<SyntheticDataset, DatasetShape> = {
  daycare: {
    fields: [
      'cpr',
      'institutionId',
      'institutionName',
      'careType',
      'startDate',
      'endDate',
      'weeklyHours',
      'privateProvider',
    ],
    namespace: 'urn:flis-gateway:daycare:1',
    record: 'Enrolment',
    records: (o) => daycareRecords(o) as Generator<AnyRecord>,
  },
  eldercare: {
    fields: [
      'cpr',
      'serviceType',
      'providerKind',
      'grantedMinutesPerWeek',
      'deliveredMinutes',
      'grantDate',
      'endDate',
    ],
    namespace: 'urn:flis-gateway:eldercare:1',
    record: 'HomeCareGrant',
    records: (o) => eldercareRecords(o) as Generator<AnyRecord>,
  },
};

const xmlEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const csvCell = (s: string | undefined) =>
  s === undefined ? '' : /[",;\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;

/** The delivery as text chunks of about 64 KiB, so any size streams without being held whole. */
export function* syntheticDelivery(opts: SyntheticOptions): Generator<string> {
  const shape = SHAPES[opts.dataset];
  const fields = shape.fields;
  const element = Object.fromEntries(fields.map((f) => [f, f.charAt(0).toUpperCase() + f.slice(1)]));
  const generated = shape.records(opts);
  const faults = opts.faults;
  const records = faults?.size
    ? (function* () {
        let i = 0;
        for (const r of generated) {
          const fault = faults.get(i++);
          if (fault) applyFault(opts.dataset, r, fault);
          yield r;
        }
      })()
    : generated;
  let buf = '';
  const flush = function* () {
    if (buf.length >= 65_536) {
      yield buf;
      buf = '';
    }
  };
  if (opts.format === 'xml') {
    const attrs = opts.rootAttributes
      ? ` dataset="${opts.dataset}" municipality="${opts.municipality ?? '101'}" period="${opts.period ?? '2026-10'}"`
      : '';
    buf += `<?xml version="1.0" encoding="UTF-8"?>\n<Delivery xmlns="${shape.namespace}"${attrs}>\n`;
    for (const r of records) {
      buf += `  <${shape.record}>`;
      for (const f of fields) {
        const v = r[f];
        if (v !== undefined) buf += `<${element[f]}>${xmlEscape(v)}</${element[f]}>`;
      }
      buf += `</${shape.record}>\n`;
      yield* flush();
    }
    buf += '</Delivery>\n';
  } else if (opts.format === 'csv') {
    buf += `${fields.join(',')}\r\n`;
    for (const r of records) {
      buf += `${fields.map((f) => csvCell(r[f])).join(',')}\r\n`;
      yield* flush();
    }
  } else {
    for (const r of records) {
      buf += `${JSON.stringify(r)}\n`;
      yield* flush();
    }
  }
  if (buf) yield buf;
}
