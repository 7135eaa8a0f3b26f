import { describe, expect, it } from 'vitest';
import type { RawRecord } from '../../src/core/validator';
import { createReader } from '../../src/formats/readers';
import { coalesced, MIN_READ_BYTES, type RecordReader } from '../../src/formats/record-reader';
import { compiledDataset, readAll } from '../support/differential';

const daycare = compiledDataset('daycare');

describe('a reader given a body in tiny chunks', () => {
  it('is called once for every 64 KiB, however small the chunks, and gets every byte in order', () => {
    const seen: Uint8Array[] = [];
    const counting: RecordReader = {
      rootAttributes: undefined,
      write(chunk) {
        seen.push(Uint8Array.from(chunk));
        return [];
      },
      end: () => [] as RawRecord[],
    };
    const reader = coalesced(counting);
    const body = Buffer.alloc(300_000).map((_, i) => i % 251);
    for (let i = 0; i < body.length; i += 2) reader.write(body.subarray(i, i + 2));
    reader.end();
    expect(seen.length).toBe(Math.ceil(body.length / MIN_READ_BYTES));
    expect(Buffer.concat(seen).equals(body)).toBe(true);
  });

  it('gives every format the same answer in 2-byte chunks as in one piece, an over-long CSV record included', () => {
    const header = 'cpr,institutionId,institutionName,careType,startDate,weeklyHours\n';
    const bodies: Array<[format: 'csv' | 'ndjson' | 'xml', text: string]> = [
      [
        'csv',
        `${header}0101709990,1012345670,ok,dagpleje,2026-01-15,37.50\n0101709990,1012345670,${'x'.repeat(150_000)},dagpleje,2026-01-15,37.50\n`,
      ],
      ['csv', `${header}0101709990,1012345670,"a ""b"",\nc",dagpleje,2026-01-15,37.50\n`],
      ['ndjson', `{"cpr":"0101709990","institutionName":"${'x'.repeat(30_000)}"}\n{"cpr":"0101709990"}\n`],
      [
        'xml',
        `<?xml version="1.0"?>\n<Delivery xmlns="urn:flis-gateway:daycare:1"><Enrolment><Cpr>0101709990</Cpr><InstitutionName>${'x'.repeat(150_000)}</InstitutionName></Enrolment></Delivery>\n`,
      ],
    ];
    for (const [format, text] of bodies) {
      const bytes = Buffer.from(text);
      const cuts = Array.from({ length: Math.floor(bytes.length / 2) }, (_, i) => 2 * (i + 1));
      const whole = readAll(createReader({ format, charset: 'utf-8' }, daycare), bytes, []);
      const tiny = readAll(createReader({ format, charset: 'utf-8' }, daycare), bytes, cuts);
      expect(tiny, format).toEqual(whole);
    }
  });
});
