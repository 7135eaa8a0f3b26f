import type {
  AcknowledgementStatus,
  DeliveryStatus,
  ExtractStatus,
  PushStatus,
  Role,
  SlotStatus,
} from '../core/vocabulary';

/**
 * The dashboard's words, Danish and English side by side: the one message catalogue. A page
 * asks for a text by its key (`l.t('nav.deliveries')`); `{name}` in a text is filled in from
 * the parameters (`l.t('extracts.heading', { recipient })`). Both languages are required for
 * every key, so a text cannot be added in one language only.
 */
export const LANGS = ['da', 'en'] as const;
export type Lang = (typeof LANGS)[number];

type Catalogue = Record<string, Record<Lang, string>>;

export const MESSAGES = {
  'app.name': { da: 'Leverancegateway', en: 'Delivery gateway' },
  'lang.switch': { da: 'English', en: 'Dansk' },
  'lang.switchTitle': { da: 'Show the dashboard in English', en: 'Vis dashboardet på dansk' },
  'nav.deliveries': { da: 'Leverancer', en: 'Deliveries' },
  'nav.expected': { da: 'Forventede', en: 'Expected' },
  'nav.national': { da: 'Landsbillede', en: 'National picture' },
  'nav.runs': { da: 'Kørsler', en: 'Runs' },
  'nav.municipality': { da: 'Min kommune', en: 'My municipality' },
  'nav.apiReference': { da: 'API-reference', en: 'API reference' },
  'nav.register': { da: 'Fortegnelse', en: 'Processing register' },
  'nav.audit': { da: 'Revisionsspor', en: 'Audit trail' },
  'audit.title': { da: 'Revisionsspor', en: 'Audit trail' },
  'audit.head': { da: 'Kæden har {seq} hændelser.', en: 'The chain holds {seq} events.' },
  'audit.checkpoint': {
    da: 'Seneste signerede kontrolpunkt: hændelse {seq},',
    en: 'Latest signed checkpoint: event {seq},',
  },
  'audit.sinceCheckpoint': {
    da: '{n} hændelser er endnu ikke dækket af et kontrolpunkt.',
    en: '{n} events are not yet covered by a checkpoint.',
  },
  'audit.allSigned': { da: 'Alle hændelser er dækket.', en: 'Every event is covered.' },
  'audit.noCheckpoint': {
    da: 'Der er endnu intet signeret kontrolpunkt.',
    en: 'There is no signed checkpoint yet.',
  },
  'audit.filter.from': { da: 'Fra', en: 'From' },
  'audit.filter.to': { da: 'Til', en: 'To' },
  'audit.filter.actor': { da: 'Aktør', en: 'Actor' },
  'audit.filter.action': { da: 'Handling', en: 'Action' },
  'audit.filter.delivery': { da: 'Leverance eller udtræk', en: 'Delivery or extract' },
  'audit.filter.municipality': { da: 'Kommune', en: 'Municipality' },
  'audit.subject': { da: 'Emne', en: 'Subject' },
  'audit.details': { da: 'Detaljer', en: 'Details' },
  'audit.more': { da: 'Næste side', en: 'Next page' },
  'audit.none': { da: 'Ingen hændelser.', en: 'No events.' },
  'audit.badCursor': {
    da: 'Siden findes ikke: følg linket "Næste side" fra en søgning.',
    en: 'There is no such page: follow the "Next page" link from a search.',
  },
  'audit.badTime': {
    da: 'Søgningen kan ikke bruges: et tidspunkt skrives ÅÅÅÅ-MM-DD eller ÅÅÅÅ-MM-DDTtt:mm (UTC), en kommune med sin kode på tre cifre, og et søgeord må ikke kunne rumme et CPR-nummer.',
    en: 'The search cannot be used: a time is written YYYY-MM-DD or YYYY-MM-DDThh:mm (UTC), a municipality by its three-digit code, and a search term must not be able to hold a CPR number.',
  },
  'audit.lineage': {
    da: 'Leverancens spor: modtaget, udtræk, push, læsninger, kvitteringer',
    en: "The delivery's lineage: received, extracts, pushes, reads, acknowledgements",
  },
  'register.title': { da: 'Fortegnelse over behandlinger', en: 'Processing register' },
  'register.intro': {
    da: 'Dannet af de profiler og forpligtelser, der er i kraft: hvilke data der sendes til hvem, hvorfor og med hvilken hjemmel.',
    en: 'Generated from the profiles and obligations in force: which data goes to whom, why and on which legal basis.',
  },
  'register.notForYou': {
    da: 'Fortegnelsen kan læses af revisorer og administratorer.',
    en: 'The register is read by auditors and admins.',
  },
  'register.recipient': { da: 'Modtager', en: 'Recipient' },
  'register.purpose': { da: 'Formål', en: 'Purpose' },
  'register.legalBasis': { da: 'Hjemmel', en: 'Legal basis' },
  'register.personalData': { da: 'Personoplysninger', en: 'Personal data' },
  'register.fields': { da: 'Felter', en: 'Fields' },
  'register.transport': { da: 'Overførsel', en: 'Transport' },
  'register.profile': { da: 'Profil', en: 'Profile' },
  'register.retention': { da: 'Opbevaring', en: 'Retention' },
  'register.noRetention': { da: 'indtil sletning', en: 'until deleted' },
  'register.extracts': { da: 'udtræk', en: 'extracts' },
  'register.supersededExtracts': { da: 'erstattede udtræk', en: 'superseded extracts' },
  'register.originals': { da: 'originaler', en: 'originals' },
  'register.supersededOriginals': { da: 'erstattede originaler', en: 'superseded originals' },
  'register.keys': { da: 'nøgler', en: 'keys' },
  'register.category.cpr': { da: 'CPR-nummer i klar tekst', en: 'CPR number in clear' },
  'register.category.pseudonymised': {
    da: 'pseudonymiseret (stadig personoplysninger)',
    en: 'pseudonymised (still personal data)',
  },
  'register.category.none': { da: 'ingen', en: 'none' },
  'nav.signOut': { da: 'Log ud', en: 'Sign out' },

  'signIn.title': { da: 'Log ind', en: 'Sign in' },
  'signIn.intro': {
    da: 'Indsæt det token, som gatewayens administrator har udstedt til dig. Gatewayen åbner en session for denne browser; selve tokenet gemmes ikke i den.',
    en: "Paste the token the gateway's administrator issued to you. The gateway opens a session for this browser; the token itself is not kept in it.",
  },
  'signIn.failed': {
    da: 'Tokenet er ukendt, tilbagekaldt eller udløbet.',
    en: 'That token is unknown, revoked or expired.',
  },
  'signIn.wait': {
    da: 'For mange mislykkede log ind fra denne adresse; prøv igen om {seconds} s.',
    en: 'Too many failed sign-ins from this address; try again in {seconds} s.',
  },
  'signIn.token': { da: 'Token', en: 'Token' },

  'filter.all': { da: 'alle', en: 'all' },
  'filter.show': { da: 'Vis', en: 'Show' },

  'col.dataset': { da: 'Datasæt', en: 'Dataset' },
  'col.municipality': { da: 'Kommune', en: 'Municipality' },
  'col.period': { da: 'Periode', en: 'Period' },
  'col.status': { da: 'Status', en: 'Status' },
  'col.received': { da: 'Modtaget', en: 'Received' },
  'col.source': { da: 'Kilde', en: 'Source' },
  'col.records': { da: 'Poster', en: 'Records' },
  'col.errors': { da: 'Fejl', en: 'Errors' },
  'col.extracts': { da: 'Udtræk', en: 'Extracts' },
  'col.recipient': { da: 'Modtager', en: 'Recipient' },
  'col.profile': { da: 'Profil', en: 'Profile' },
  'col.ackDue': { da: 'Kvittering senest', en: 'Acknowledgement due' },
  'col.push': { da: 'Push', en: 'Push' },
  'col.record': { da: 'Post', en: 'Record' },
  'col.line': { da: 'Linje', en: 'Line' },
  'col.field': { da: 'Felt', en: 'Field' },
  'col.rule': { da: 'Regel', en: 'Rule' },
  'col.message': { da: 'Besked', en: 'Message' },
  'col.attempts': { da: 'Forsøg', en: 'Attempts' },
  'col.lastProblem': { da: 'Seneste problem', en: 'Last problem' },
  'col.made': { da: 'Dannet', en: 'Made' },
  'col.file': { da: 'Fil', en: 'File' },
  'col.times': {
    da: 'Tidspunkter er dansk tid (Europe/Copenhagen).',
    en: 'Times are Danish time (Europe/Copenhagen).',
  },

  'deliveries.title': { da: 'Leverancer', en: 'Deliveries' },
  'deliveries.superseded': { da: 'erstattet', en: 'superseded' },
  'deliveries.none': { da: 'Ingen leverancer passer til filteret.', en: 'No deliveries match.' },
  'deliveries.older': { da: 'Ældre leverancer →', en: 'Older deliveries →' },

  'delivery.notFoundTitle': { da: 'Ikke fundet', en: 'Not found' },
  'delivery.notFound': { da: 'Der findes ingen sådan leverance.', en: 'There is no such delivery.' },
  'delivery.back': { da: '← Leverancer', en: '← Deliveries' },
  'delivery.from': { da: 'fra', en: 'from' },
  'delivery.receivedAt': { da: 'modtaget', en: 'received' },
  'delivery.records': {
    da: ', {total} poster ({invalid} ugyldige)',
    en: ', {total} records ({invalid} invalid)',
  },
  'delivery.extracts': { da: 'Udtræk', en: 'Extracts' },
  'delivery.pushAfterOne': { da: 'efter {n} forsøg', en: 'after {n} attempt' },
  'delivery.pushAfterMany': { da: 'efter {n} forsøg', en: 'after {n} attempts' },
  'delivery.fetchedByRecipient': { da: 'hentes af modtageren', en: 'fetched by the recipient' },
  'delivery.issues': { da: 'Hvad var galt ({count} fejl)', en: 'What was wrong ({count} errors)' },
  'delivery.issuesFirst': {
    da: 'Hvad var galt ({count} fejl, de første {shown} vises)',
    en: 'What was wrong ({count} errors, first {shown} shown)',
  },

  'expected.title': { da: 'Forventede leverancer', en: 'Expected deliveries' },
  'expected.due': {
    da: 'Periode {period}: rettidig, hvis modtaget senest {deadline} (dansk tid).',
    en: 'Period {period}: on time if received by {deadline} (Danish time).',
  },
  'expected.none': {
    da: 'Ingen leveringspligt for dette datasæt og denne periode.',
    en: 'No obligated slot for this dataset and period.',
  },
  'col.rejected': { da: 'Afviste', en: 'Rejected' },
  'col.change': { da: 'Ændring', en: 'Change' },
  anomaly: { da: 'afvigelse', en: 'anomaly' },

  'national.title': { da: 'Landsbillede {period}', en: 'National picture {period}' },
  'national.intro': {
    da: 'Hver celle er en kommunes leveringspligt for datasættet i perioden; vælg en celle for at se kommunen.',
    en: "Each cell is a municipality's obligated delivery of the dataset for the period; choose a cell to see the municipality.",
  },
  'national.none': {
    da: 'Ingen leveringspligt, du kan se, for denne periode.',
    en: 'No obligated slot you may see for this period.',
  },
  'national.noneDue': {
    da: 'Ingen periode har passeret sin frist endnu.',
    en: 'No period has passed its deadline yet.',
  },
  'national.cell': {
    da: '{municipality}, {dataset}, {period}: {status}',
    en: '{municipality}, {dataset}, {period}: {status}',
  },
  'national.badPeriodTitle': { da: 'Ugyldig periode', en: 'Invalid period' },
  'busy.title': { da: 'Prøv igen om lidt', en: 'Try again shortly' },
  'busy.text': {
    da: 'Gatewayen danner lige nu så mange rapporter, den kan. Prøv igen om {seconds} sekunder.',
    en: 'The gateway is making as many reports as it takes just now. Try again in {seconds} seconds.',
  },
  'period.written.monthly': { da: 'som en måned ÅÅÅÅ-MM', en: 'as a month YYYY-MM' },
  'period.written.weekly': { da: 'som en uge ÅÅÅÅ-Www', en: 'as a week YYYY-Www' },
  'period.written.daily': { da: 'som en dag ÅÅÅÅ-MM-DD', en: 'as a day YYYY-MM-DD' },
  'national.badPeriod': {
    da: 'Perioden skal skrives {format}, fx {example}.',
    en: 'The period must be written {format}, e.g. {example}.',
  },
  'expected.unknownDataset': {
    da: 'Der er intet datasæt med det navn, som du kan se.',
    en: 'There is no dataset by that name that you can see.',
  },
  'consolidation.figure': {
    da: 'Konsolidering {from}–{to}: {deliveries} leverancer modtaget, {extracts} udtræk dannet, {avoided} parallelle leverancer undgået.',
    en: 'Consolidation {from}–{to}: {deliveries} deliveries received, {extracts} extracts made, {avoided} parallel deliveries avoided.',
  },
  'municipality.title': { da: '{code} {name}', en: '{code} {name}' },
  'municipality.intro': {
    da: 'Status og antal poster for de seneste {n} perioder til og med {period}.',
    en: 'Status and records for the last {n} periods up to {period}.',
  },
  'municipality.notFoundTitle': { da: 'Ikke fundet', en: 'Not found' },
  'municipality.notFound': {
    da: 'Der er ingen kommune med den kode, som du kan se.',
    en: 'There is no municipality with that code that you may see.',
  },
  'municipality.trend': { da: 'Udvikling for {dataset}', en: 'Trend for {dataset}' },
  'municipality.trendDesc': {
    da: 'Poster og fejl for {dataset} i {name}, {from} til {to}. Tallene står i tabellen ovenfor.',
    en: 'Records and errors of {dataset} in {name}, {from} to {to}. The figures are in the table above.',
  },
  'municipality.runs': { da: 'Kørselsrapporter', en: 'Run reports' },
  'municipality.noRuns': { da: 'Ingen kørsler endnu.', en: 'No runs yet.' },
  'municipality.report': { da: 'Rapport for {period}', en: 'Report for {period}' },
  'runs.title': { da: 'Månedskørsler', en: 'Monthly runs' },
  'runs.none': { da: 'Ingen kørsler endnu.', en: 'No runs yet.' },
  'runs.reports': { da: 'Kommunernes rapporter', en: "The municipalities' reports" },
  'runs.notFound': { da: 'Der findes ingen sådan kørsel.', en: 'There is no such run.' },
  'col.ranAt': { da: 'Kørt', en: 'Ran' },
  'col.trigger': { da: 'Udløst', en: 'Trigger' },
  'col.slots': { da: 'Pligter', en: 'Slots' },
  'col.anomalies': { da: 'Afvigelser', en: 'Anomalies' },
  'col.report': { da: 'Rapport', en: 'Report' },
  'trigger.scheduled': { da: 'planlagt', en: 'scheduled' },
  'trigger.manual': { da: 'manuelt', en: 'manual' },
  'trend.records': { da: 'poster', en: 'records' },
  'trend.errors': { da: 'fejl', en: 'errors' },

  'extracts.title': { da: 'Udtræk', en: 'Extracts' },
  'extracts.heading': { da: 'Udtræk til {recipient}', en: 'Extracts for {recipient}' },
  'extracts.none': { da: 'Ingen udtræk endnu.', en: 'No extracts yet.' },
  'extracts.older': { da: 'Ældre udtræk →', en: 'Older extracts →' },
  'extract.back': { da: '← Udtræk', en: '← Extracts' },
  'extract.notFound': { da: 'Der findes intet sådant udtræk.', en: 'There is no such extract.' },
  'extract.version': { da: 'Version', en: 'Version' },
  'extract.replaces': { da: 'Erstatter', en: 'Replaces' },
  'extract.replacedBy': { da: 'Erstattet af', en: 'Replaced by' },
  'extract.partial': {
    da: 'Leverancen blev modtaget uden {n} ugyldige poster.',
    en: 'The delivery was accepted without {n} invalid records.',
  },
  'extract.partialShort': { da: 'delvis', en: 'partial' },
  'extract.download': { da: 'Hent filen', en: 'Download the file' },
  'extract.encrypted': {
    da: 'Krypteret med age til modtagerens nøgle; dekrypteres med age -d -i NØGLE.',
    en: "Encrypted with age to the recipient's key; decrypt with age -d -i KEY.",
  },
  'extract.word': { da: 'Kvittering', en: 'Acknowledgement' },
  'extract.accept': { da: 'Kvittér for modtagelsen', en: 'Acknowledge receipt' },
  'extract.refuse': { da: 'Afvis', en: 'Refuse' },
  'extract.reason': {
    da: 'Begrundelse (nævn poster ved nummer, aldrig en person)',
    en: 'Reason (name records by number, never a person)',
  },
  'extract.reasonMissing': { da: 'Skriv en begrundelse for afvisningen.', en: 'Write why it is refused.' },
  'extract.formTwice': {
    da: 'Formularen sagde to ting på én gang; intet blev registreret.',
    en: 'The form said two things at once; nothing was recorded.',
  },
  'extract.wordGiven': { da: '{status} {at}', en: '{status} {at}' },
  'extract.due': { da: 'Kvittering senest {at}', en: 'Acknowledgement due {at}' },
  'col.word': { da: 'Modtagerens svar', en: "Recipient's word" },
  'col.version': { da: 'Version', en: 'Version' },
} as const satisfies Catalogue;

export type MessageKey = keyof typeof MESSAGES;

/** Every status the dashboard shows, from every list in core/vocabulary.ts. */
export type ShownStatus =
  | DeliveryStatus
  | ExtractStatus
  | PushStatus
  | AcknowledgementStatus
  | SlotStatus
  | 'rejected'
  | 'overdue';

/**
 * The word for each status. One word per status value across the lists: `pending` is
 * "afventer" for a push and an expected delivery alike. The machine value stays in the
 * badge's CSS class.
 */
export const STATUS_WORDS: Readonly<Record<ShownStatus, Record<Lang, string>>> = {
  receiving: { da: 'modtages', en: 'receiving' },
  accepted: { da: 'accepteret', en: 'accepted' },
  rejected: { da: 'afvist', en: 'rejected' },
  failed: { da: 'fejlet', en: 'failed' },
  available: { da: 'klar', en: 'available' },
  fetched: { da: 'hentet', en: 'fetched' },
  acknowledged: { da: 'kvitteret', en: 'acknowledged' },
  refused: { da: 'afvist af modtager', en: 'refused' },
  superseded: { da: 'erstattet', en: 'superseded' },
  purged: { da: 'slettet', en: 'purged' },
  pending: { da: 'afventer', en: 'pending' },
  delivered: { da: 'leveret', en: 'delivered' },
  cancelled: { da: 'annulleret', en: 'cancelled' },
  received: { da: 'modtaget', en: 'received' },
  late: { da: 'for sen', en: 'late' },
  missing: { da: 'mangler', en: 'missing' },
  overdue: { da: 'kvittering udeblevet', en: 'acknowledgement overdue' },
};

export const ROLE_WORDS: Readonly<Record<Role, Record<Lang, string>>> = {
  source: { da: 'kilde', en: 'source' },
  recipient: { da: 'modtager', en: 'recipient' },
  auditor: { da: 'revisor', en: 'auditor' },
  admin: { da: 'administrator', en: 'admin' },
  municipality: { da: 'kommune', en: 'municipality' },
};
