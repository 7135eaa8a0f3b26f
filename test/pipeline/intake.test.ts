import { createHash, createHmac, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticDelivery } from '../../src/cli/synthetic';
import { buildCatalogue } from '../../src/core/catalogue';
import { systemClock } from '../../src/core/clock';
import { GatewayError } from '../../src/core/errors';
import { intake } from '../../src/pipeline/intake';
import { receiptKeyWrap } from '../../src/receipts/key-wrap';
import { createReceiptSigner } from '../../src/receipts/signer';
import { readJsonFiles } from '../../src/runtime/catalogue-files';
import { createFsObjectStore } from '../../src/stores/fs-object-store';
import type { MetadataStore } from '../../src/stores/metadata-store';
import type { ObjectStore } from '../../src/stores/object-store';
import { createPgliteClient } from '../../src/stores/sql/pglite-client';
import { createSqlMetadataStore } from '../../src/stores/sql/sql-metadata-store';

const ROOT = new URL('../..', import.meta.url).pathname;

describe('intake when the object store fails part-way', () => {
  let dir: string;
  let metadata: MetadataStore;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gateway-intake-'));
    metadata = createSqlMetadataStore(await createPgliteClient());
    await metadata.migrate();
  });
  afterAll(async () => {
    await metadata.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** A filesystem store whose writes to one extract's object fail after a few chunks. */
  function failingStore(inner: ObjectStore, failAfter: number): ObjectStore {
    return {
      ...inner,
      async create(key) {
        const sink = await inner.create(key);
        if (key.endsWith('/original')) return sink;
        let writes = 0;
        return {
          ...sink,
          async write(chunk) {
            if (++writes > failAfter) throw new Error('disk full');
            return sink.write(chunk);
          },
        };
      },
    };
  }

  it('fails the delivery, makes no extract and leaves no object behind', async () => {
    const catalogue = buildCatalogue(
      readJsonFiles(join(ROOT, 'schemas'), ROOT),
      readJsonFiles(join(ROOT, 'deliveries'), ROOT),
      {
        sha256Hex: (t) => createHash('sha256').update(t).digest('hex'),
        pseudonymiser: (ref) => ({
          keyId: ref,
          pseudonymise: (v) => createHmac('sha256', 'k'.repeat(32)).update(v).digest('hex'),
        }),
      },
    );
    const objects = failingStore(createFsObjectStore(join(dir, 'objects')), 2);
    const body = [...syntheticDelivery({ dataset: 'daycare', records: 5000, format: 'xml' })].map((s) =>
      new TextEncoder().encode(s),
    );
    const error = await intake(
      {
        catalogue,
        metadata,
        objects,
        signer: await createReceiptSigner({
          store: metadata,
          issuer: 'test',
          wrap: await receiptKeyWrap(randomBytes(32)),
          now: systemClock,
        }),
        now: systemClock,
        limits: { maxDeliveryBytes: 1e9, maxStoredIssues: 100 },
      },
      {
        dataset: 'daycare',
        municipality: '101',
        period: '2026-10',
        source: 's',
        actor: 's (tok_x)',
        contentType: 'application/xml',
        idempotencyKey: null,
        body: (async function* () {
          yield* body;
        })(),
      },
    ).catch((e) => e);
    expect(error).toBeInstanceOf(GatewayError);
    expect((error as GatewayError).status).toBe(500);
    const id = (error as GatewayError).extensions.deliveryId as string;
    expect((await metadata.getDelivery(id))?.status).toBe('failed');
    expect((await metadata.listExtracts({ deliveryId: id }, null, 10)).items).toEqual([]);
    const left = await readdir(join(dir, 'objects', 'deliveries')).catch(() => []);
    expect(left).not.toContain(id);
  });
});

describe('intake when an extract cannot carry a value', () => {
  it('a character an ISO-8859-1 extract lacks rejects the delivery with a problem naming it, nothing kept', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gateway-intake-'));
    const metadata = createSqlMetadataStore(await createPgliteClient());
    await metadata.migrate();
    try {
      const latin = {
        id: 'daycare/stuk',
        dataset: 'daycare',
        recipient: 'stuk',
        version: 1,
        title: 'Names in ISO-8859-1',
        lawfulUse: { legalBasis: 'a legal basis for the test', purpose: 'a purpose for the test' },
        columns: [{ name: 'navn', from: 'institutionName' }],
        output: { format: 'csv', delimiter: ';', header: true, encoding: 'iso-8859-1' },
        package: 'none',
        fileName: 'latin-{municipality}-{period}.csv',
      };
      const catalogue = buildCatalogue(
        readJsonFiles(join(ROOT, 'schemas'), ROOT),
        [
          ...readJsonFiles(join(ROOT, 'deliveries'), ROOT).filter(
            (f) => f.path.endsWith('recipients.json') || f.path.includes('/dst.json'),
          ),
          { path: 'deliveries/daycare/latin.json', text: JSON.stringify(latin) },
        ],
        {
          sha256Hex: (t) => createHash('sha256').update(t).digest('hex'),
          pseudonymiser: (ref) => ({ keyId: ref, pseudonymise: (v) => v }),
        },
      );
      const csv =
        'cpr,institutionId,institutionName,careType,startDate,weeklyHours,privateProvider\r\n' +
        '0101215123,1234567890,Børnehus €,vuggestue,2026-01-05,30,false\r\n';
      const error = await intake(
        {
          catalogue,
          metadata,
          objects: createFsObjectStore(join(dir, 'objects')),
          signer: await createReceiptSigner({
            store: metadata,
            issuer: 'test',
            wrap: await receiptKeyWrap(randomBytes(32)),
            now: systemClock,
          }),
          now: systemClock,
          limits: { maxDeliveryBytes: 1e9, maxStoredIssues: 100 },
        },
        {
          dataset: 'daycare',
          municipality: '101',
          period: '2026-10',
          source: 's',
          actor: 's (tok_x)',
          contentType: 'text/csv',
          idempotencyKey: null,
          body: (async function* () {
            yield new TextEncoder().encode(csv);
          })(),
        },
      ).catch((e) => e);
      expect(error).toBeInstanceOf(GatewayError);
      expect((error as GatewayError).status).toBe(422);
      expect((error as GatewayError).message).toContain('U+20AC');
      const id = (error as GatewayError).extensions.deliveryId as string;
      const d = await metadata.getDelivery(id);
      expect(d?.status).toBe('rejected');
      expect(d?.problem?.code).toBe('unprocessable');
      expect((await metadata.listExtracts({ deliveryId: id }, null, 10)).items).toEqual([]);
      const left = await readdir(join(dir, 'objects', 'deliveries')).catch(() => []);
      expect(left).not.toContain(id);
    } finally {
      await metadata.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
