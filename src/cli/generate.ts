import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { parseArgs } from 'node:util';
import { isMunicipalityCode } from '../core/municipalities';
import { nationalYear } from './national-year';
import { type SyntheticDataset, type SyntheticFormat, syntheticDelivery } from './synthetic';

const USAGE = `usage: npm run -s generate -- --dataset daycare|eldercare --records N [--format xml|csv|ndjson]
       [--invalid SHARE] [--seed N] [--municipality 101] [--period 2026-10] [--root-attributes] [--out FILE]
Writes a deterministic synthetic delivery (synthetic CPR numbers only) to FILE or standard output.

usage: npm run -s generate -- --national-year 2026 [--seed N] [--as-of INSTANT] [--months N]
       [--municipalities 101,147] [--out DIR] [--load [--data-dir DIR]]
Plans a national year: 98 municipalities x 12 months x daycare and eldercare, on time, late,
missing, rejected, anomalous and corrected, each submission at a planned instant. With neither
--out nor --load the plan (JSON) goes to standard output.
  --out DIR        writes DIR/plan.json and every submission's body (DIR/2026-01/daycare-101-1.xml, ...)
  --load           sends every submission through the embedded gateway (PGlite and files) on
  --data-dir DIR   DIR (default $GATEWAY_DATA_DIR or ./data), its clock at each planned instant,
                   one source token per municipality; prints a summary. Stop the gateway first.
  --as-of INSTANT  the plan is seen from then: later submissions have not happened
                   (default: 1 April of the next year, when all has happened)
  --months N       the first N months only (default 12)
  --municipalities these municipality codes only (default: all 98)`;

async function main() {
  let values: ReturnType<typeof parse>;
  function parse() {
    return parseArgs({
      options: {
        dataset: { type: 'string', default: 'daycare' },
        records: { type: 'string', default: '1000' },
        format: { type: 'string', default: 'xml' },
        invalid: { type: 'string', default: '0' },
        seed: { type: 'string', default: '1' },
        municipality: { type: 'string', default: '101' },
        period: { type: 'string', default: '2026-10' },
        'root-attributes': { type: 'boolean', default: false },
        out: { type: 'string' },
        'national-year': { type: 'string' },
        'as-of': { type: 'string' },
        months: { type: 'string', default: '12' },
        municipalities: { type: 'string' },
        load: { type: 'boolean', default: false },
        'data-dir': { type: 'string' },
        help: { type: 'boolean', default: false },
      },
      strict: true,
    }).values;
  }
  try {
    values = parse();
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (values['national-year'] !== undefined) {
    const year = Number(values['national-year']);
    const seed = Number(values.seed);
    const asOf = values['as-of'];
    const months = Number(values.months);
    const municipalities = values.municipalities?.split(',');
    if (
      !Number.isInteger(months) ||
      months < 1 ||
      months > 12 ||
      (municipalities && !municipalities.every(isMunicipalityCode)) ||
      !Number.isInteger(year) ||
      year < 2000 ||
      year > 2100 ||
      !Number.isSafeInteger(seed) ||
      (asOf !== undefined && Number.isNaN(Date.parse(asOf))) ||
      (values['data-dir'] !== undefined && !values.load)
    ) {
      process.stderr.write(`${USAGE}\n`);
      process.exit(2);
    }
    await nationalYear({
      plan: { year, seed, asOf, months, municipalities },
      out: values.out,
      load: values.load,
      dataDir: values['data-dir'],
    });
    return;
  }
  const records = Number(values.records);
  const invalid = Number(values.invalid);
  const seed = Number(values.seed);
  const format = values.format as SyntheticFormat;
  if (
    !['daycare', 'eldercare'].includes(values.dataset as string) ||
    !['xml', 'csv', 'ndjson'].includes(format) ||
    !Number.isSafeInteger(records) ||
    records < 0 ||
    !(invalid >= 0 && invalid <= 1) ||
    !Number.isSafeInteger(seed)
  ) {
    process.stderr.write(`${USAGE}\n`);
    process.exit(2);
  }
  const out = values.out ? createWriteStream(values.out) : process.stdout;
  for (const chunk of syntheticDelivery({
    dataset: values.dataset as SyntheticDataset,
    records,
    format,
    seed,
    invalidShare: invalid,
    municipality: values.municipality,
    period: values.period,
    rootAttributes: values['root-attributes'],
  })) {
    if (!out.write(chunk)) await once(out, 'drain');
  }
  if (values.out) {
    out.end();
    await once(out, 'finish');
  }
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).message}\n`);
  process.exit(1);
});
