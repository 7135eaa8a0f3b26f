import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { parseArgs } from 'node:util';
import { type SyntheticDataset, type SyntheticFormat, syntheticDelivery } from './synthetic';

const USAGE = `usage: npm run -s generate -- --dataset daycare|eldercare --records N [--format xml|csv|ndjson]
       [--invalid SHARE] [--seed N] [--municipality 101] [--period 2026-10] [--root-attributes] [--out FILE]
Writes a deterministic synthetic delivery (synthetic CPR numbers only) to FILE or standard output.`;

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
