/** The `gateway` command's usage: one line per command, and each command's own help with examples. */

export const COMMON = `options: --url URL (default $GATEWAY_URL or http://127.0.0.1:8787), --token TOKEN (default $GATEWAY_TOKEN)
exit codes: 0 ok, 1 failed, 2 usage`;

/** Each command: its usage line, what it does, and examples. */
export const COMMANDS: Record<string, { usage: string; about: string; examples: string[] }> = {
  submit: {
    usage: 'submit FILE --dataset D --municipality M --period P [--idempotency-key K]',
    about:
      'Streams a delivery (XML, CSV or NDJSON by its extension) with a progress bar; prints the delivery and its receipt.',
    examples: [
      'gateway submit oktober.xml --dataset daycare --municipality 101 --period 2026-10 --idempotency-key 101-2026-10',
    ],
  },
  status: {
    usage: 'status DELIVERY_ID',
    about: 'Prints a delivery: its status, records, extracts and what each recipient said of them.',
    examples: ['gateway status dlv_01JBX7Z4Q0M3T6W9C2H5K8N1PR'],
  },
  report: {
    usage: 'report DELIVERY_ID [--csv]',
    about: "Prints a delivery's validation report, as JSON or CSV.",
    examples: ['gateway report dlv_01JBX7Z4Q0M3T6W9C2H5K8N1PR --csv > report.csv'],
  },
  'extracts list': {
    usage: 'extracts list [--status S] [--dataset D] [--municipality M] [--period P] [--all]',
    about: "Lists this recipient's current extracts (--all: replaced ones too).",
    examples: ['gateway extracts list --municipality 147 --period 2026-10'],
  },
  'extracts fetch': {
    usage: 'extracts fetch EXTRACT_ID [--out DIR] [--ack]',
    about:
      'Downloads one extract under its file name; with --ack acknowledges it, but only when its bytes have the sha256 the gateway gave.',
    examples: ['gateway extracts fetch ext_01JBX7Z4Q0M3T6W9C2H5K8N1PR --out inbox --ack'],
  },
  'extracts sync': {
    usage: 'extracts sync --dir DIR [--ack] [--jwks URL|FILE]',
    about: `Every new current extract into DIR: downloaded (resuming an interrupted download), its sha256 and its
delivery's signed receipt checked against the JWKS (the gateway's /.well-known/jwks.json unless --jwks), written
whole by rename with its metadata beside it (NAME.json); with --ack, then acknowledged. A second run does nothing
new; one DIR is synced by one run at a time, so it is safe from cron. Prints what it did as JSON: downloaded,
acknowledged, unchanged, superseded (an earlier extract and the one that replaces it) and failed; exit 1 when any failed.`,
    examples: [
      'gateway extracts sync --dir /srv/indbakke --ack',
      '15 2 * * *  GATEWAY_URL=https://gateway.example GATEWAY_TOKEN=… gateway extracts sync --dir /srv/indbakke --ack',
    ],
  },
  'extracts ack': {
    usage: 'extracts ack EXTRACT_ID [--refuse REASON]',
    about:
      'Acknowledges an extract, or refuses it with a reason the source will see (name records by number, never a person).',
    examples: [
      'gateway extracts ack ext_01JBX7Z4Q0M3T6W9C2H5K8N1PR --refuse "record 812: WeeklyHours is 99"',
    ],
  },
  'receipt verify': {
    usage: 'receipt verify FILE [--jwks URL|FILE]',
    about: `Checks a delivery receipt offline: FILE holds the JWS, or JSON with a "receipt" (a delivery, a sync's NAME.json).
The JWKS is --jwks, or the gateway's own. Prints the payload; exit 1 when it does not verify.`,
    examples: [
      'gateway receipt verify indbakke/dst-dagtilbud-101-2026-10.xml.json --jwks jwks.json',
      'gateway status dlv_… > d.json && gateway receipt verify d.json --jwks https://gateway.example/.well-known/jwks.json',
    ],
  },
  'audit verify': {
    usage: 'audit verify [--offline EXPORT --jwks JWKS]',
    about:
      'Checks the audit chain on the server, or offline an export against the signed checkpoints; exit 1 on any break.',
    examples: [
      'gateway audit export > audit.ndjson && gateway audit verify --offline audit.ndjson --jwks jwks.json',
    ],
  },
  'audit export': {
    usage: 'audit export [--from ISO] [--to ISO]',
    about: 'Writes the audit log as NDJSON, with the signed checkpoints, to stdout.',
    examples: ['gateway audit export --from 2026-10-01T00:00:00Z > oktober.ndjson'],
  },
  'token issue': {
    usage:
      'token issue --role source|recipient|municipality|auditor|admin --subject S [--municipalities 101,147] [--datasets daycare] [--recipient R] [--expires-at ISO]',
    about: 'Issues a token (admin); its text is shown this once.',
    examples: ['gateway token issue --role recipient --subject dst-intake --recipient dst'],
  },
  'token revoke': {
    usage: 'token revoke TOKEN_ID',
    about: 'Revokes a token (admin); it fails from the next request on.',
    examples: ['gateway token revoke tok_01JBX7Z4Q0M3T6W9C2H5K8N1PR'],
  },
  'profile preview': {
    usage: 'profile preview DATASET RECIPIENT FILE',
    about: 'The extract a small delivery would give (admin); nothing is stored.',
    examples: ['gateway profile preview daycare dst sample.xml'],
  },
  'profile lint': {
    usage: 'profile lint',
    about: 'Checks every file under schemas/ and deliveries/ offline.',
    examples: ['gateway profile lint'],
  },
};

export const USAGE = `usage: gateway <command> [options]   (npm run -s gateway -- <command> …; gateway <command> --help)

${Object.values(COMMANDS)
  .map((c) => `  ${c.usage}`)
  .join('\n')}

${COMMON}`;

/** One command's help, or null for a command there is none of. */
export function helpOf(command: string): string | null {
  const c = COMMANDS[command];
  if (!c) return null;
  return `usage: gateway ${c.usage}\n\n${c.about}\n\nexamples:\n${c.examples.map((e) => `  ${e}`).join('\n')}\n\n${COMMON}`;
}
