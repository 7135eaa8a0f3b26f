/**
 * Sums a V8 CPU profile (`node --cpu-prof`) by function: self time and its share of the
 * thread's busy time, the largest first. Used to write the profile summaries in bench/README.md.
 *
 *   npx tsx bench/profile-summary.ts <file.cpuprofile> [top=30]
 *   npx tsx bench/profile-summary.ts <file.cpuprofile> parts   # by part of the intake
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** The parts of the intake a function belongs to, by its name (the bundle keeps names). */
const PARTS: Array<[part: string, test: RegExp]> = [
  ['garbage collection', /^\(garbage collector\)/],
  [
    'XML scanner (bytes, names, field text)',
    /^(record|run|fieldId|nameAt|endTag|skipSpace|advanceLines|utf8Slice|expandText|utf8Text|write xml-reader)\b|RegExp: \[\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\r&/,
  ],
  ['saxes', /saxes/],
  ['validation', /validat|RegExp: \^|isValidIsoDate|cprBirthDate|trimXmlSpace/],
  ['sha256 / MD5 of delivery and extracts', /^(update|digest) hash/],
  ['HMAC pseudonyms', /hmac|^compress /],
  [
    'writing rows (XML, NDJSON, table, CSV)',
    /^(rows|jsonString|escapeXml|plainNumber|cell) |RegExp: \[&<>|RegExp: \["/,
  ],
  ['UTF-8 encoding of written text', /encodeUtf8String|^encode encoding/],
  ['deflate and zip (archival version)', /zlib|crc32|archiver|zip-stream/],
  ['mapping and aggregation', /column|mapper|aggregate|^(m|c|push) /],
  ['handing rows between threads', /postMessage|packRows|unpackRows|structuredClone/],
  ['file writes', /writeBuffer|^open$|fsync|^close$/],
];

/**
 * Busy time by part of the intake (PARTS), the rest as "other", counted from the first sample
 * that writes a row or validates one to the last: the delivery, not the process's start.
 */
export function byPart(profile: CpuProfile): Array<[string, number]> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const partOf = (id: number) => {
    const f = byId.get(id)?.callFrame;
    const name = f?.functionName || '(anonymous)';
    if (name === '(idle)' || name === '(program)') return null;
    const where = f?.url ? `${name} ${f.url.replace(/^.*\//, '')}` : name;
    return PARTS.find(([, test]) => test.test(where) || test.test(name))?.[0] ?? 'other';
  };
  const parts = profile.samples.map(partOf);
  const marks = parts.flatMap((p, i) =>
    p === 'writing rows (XML, NDJSON, table, CSV)' || p === 'validation' ? [i] : [],
  );
  const from = marks[0] ?? 0;
  const to = marks[marks.length - 1] ?? parts.length - 1;
  const sums = new Map<string, number>();
  let busy = 0;
  for (let i = from; i <= to; i++) {
    const part = parts[i];
    const dt = profile.timeDeltas[i] ?? 0;
    if (!part) continue;
    busy += dt;
    sums.set(part, (sums.get(part) ?? 0) + dt);
  }
  return [...sums]
    .sort((a, b) => b[1] - a[1])
    .map(([k, us]) => [k, us / busy] as [string, number])
    .concat([['(busy seconds)', busy / 1e6]]);
}

export function summarise(profile: CpuProfile, top = 30): string[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let busy = 0;
  let idle = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    const f = byId.get(id)?.callFrame;
    const name = f?.functionName || '(anonymous)';
    if (name === '(idle)' || name === '(program)') {
      idle += dt;
      return;
    }
    busy += dt;
    const where = f?.url ? `${f.url.replace(/^.*\/(node_modules\/)?/, '')}:${(f.lineNumber ?? 0) + 1}` : '';
    const key = `${name} ${where}`.trim();
    self.set(key, (self.get(key) ?? 0) + dt);
  });
  const rows = [...self].sort((a, b) => b[1] - a[1]).slice(0, top);
  return [
    `busy ${(busy / 1e6).toFixed(2)} s, idle ${(idle / 1e6).toFixed(2)} s`,
    ...rows.map(
      ([k, us]) => `${((100 * us) / busy).toFixed(1).padStart(5)} %  ${(us / 1e6).toFixed(2)} s  ${k}`,
    ),
  ];
}

if (process.argv[2]) {
  const profile = JSON.parse(readFileSync(process.argv[2], 'utf8')) as CpuProfile;
  const lines =
    process.argv[3] === 'parts'
      ? byPart(profile).map(([part, share]) =>
          part.startsWith('(')
            ? `${part}: ${share.toFixed(2)}`
            : `| ${part} | ${(share * 100).toFixed(0)} % |`,
        )
      : summarise(profile, Number(process.argv[3] ?? 30));
  process.stdout.write(`${lines.join('\n')}\n`);
}
