import { createHash, createHmac, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { syntheticDelivery } from '../../src/cli/synthetic';
import { buildCatalogue, type Catalogue } from '../../src/core/catalogue';
import { systemClock } from '../../src/core/clock';
import { GatewayError } from '../../src/core/errors';
import { provideStandardSchemas } from '../../src/pipeline/archival-package';
import { type IntakeDeps, type IntakeRequest, intake } from '../../src/pipeline/intake';
import { receiptKeyWrap } from '../../src/receipts/key-wrap';
import { createReceiptSigner } from '../../src/receipts/signer';
import { readJsonFiles } from '../../src/runtime/catalogue-files';
import { readStandardSchemas } from '../../src/runtime/standard-schemas';
import { createMemoryMetadataStore } from '../../src/stores/memory/metadata-store';
import { createMemoryObjectStore } from '../../src/stores/memory/object-store';

const ROOT = new URL('../..', import.meta.url).pathname;

let catalogue: Catalogue;
beforeAll(() => {
  // The archival version's zip holds the official schemas.
  provideStandardSchemas(readStandardSchemas);
  catalogue = buildCatalogue(
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
});

async function deps(maxStoredIssues: number): Promise<IntakeDeps> {
  const metadata = createMemoryMetadataStore(systemClock);
  await metadata.migrate();
  return {
    catalogue,
    metadata,
    objects: createMemoryObjectStore(),
    signer: await createReceiptSigner({
      store: metadata,
      issuer: 'test',
      wrap: await receiptKeyWrap(randomBytes(32)),
      now: systemClock,
    }),
    now: systemClock,
    limits: { maxDeliveryBytes: 1e9, maxStoredIssues },
  };
}

const request = (source: string, xml: string): IntakeRequest => ({
  dataset: 'daycare',
  municipality: '101',
  period: '2026-10',
  source,
  actor: `${source} (tok_x)`,
  contentType: 'application/xml',
  idempotencyKey: null,
  body: (async function* () {
    yield new TextEncoder().encode(xml);
  })(),
});

/** A daycare delivery whose first `hours` records break `max` and first `cprs` break `cpr`. */
function withErrors(records: number, hours: number, cprs: number, seed = 3): string {
  let body = [...syntheticDelivery({ dataset: 'daycare', records, format: 'xml', seed })].join('');
  let h = 0;
  body = body.replace(/<WeeklyHours>[^<]*<\/WeeklyHours>/g, (m) =>
    h++ < hours ? '<WeeklyHours>99</WeeklyHours>' : m,
  );
  let c = 0;
  body = body.replace(/<Cpr>\d{10}<\/Cpr>/g, (m) => (c++ < cprs ? '<Cpr>12</Cpr>' : m));
  return body;
}

describe('errors by rule', () => {
  it('are counted exactly, also beyond the stored issues, and kept with a rejected delivery', async () => {
    const d = await deps(3);
    const error = await intake(d, request('sys-a', withErrors(50, 7, 4))).catch((e) => e);
    expect(error).toBeInstanceOf(GatewayError);
    expect((error as GatewayError).status).toBe(422);
    const id = (error as GatewayError).extensions.deliveryId as string;
    const delivery = await d.metadata.getDelivery(id);
    expect(delivery?.status).toBe('rejected');
    expect(delivery?.errorCount).toBe(11);
    expect(delivery?.errorsByRule).toEqual({ cpr: 4, max: 7 });
    // Only three issues are stored; the counts by rule still add up to them all.
    expect((await d.metadata.listIssues(id, null, 100)).items).toHaveLength(3);
    // No rule id carries a value from the delivery.
    expect(JSON.stringify(delivery?.errorsByRule)).not.toMatch(/\d{2}/);
  });

  it('are {} for a delivery without errors', async () => {
    const d = await deps(3);
    const ok = await intake(d, request('sys-a', withErrors(5, 0, 0)));
    expect(ok.status).toBe(201);
    expect(ok.delivery.errorsByRule).toEqual({});
  });
});

describe('the slot, whoever sends it', () => {
  it('a second source corrects the first: one current delivery, numbered 1 and 2', async () => {
    const d = await deps(100);
    const a = await intake(d, request('sys-a', withErrors(5, 0, 0, 1)));
    const b = await intake(d, request('sys-b', withErrors(6, 0, 0, 2)));
    expect([a.status, b.status]).toEqual([201, 201]);
    expect([a.delivery.sequence, b.delivery.sequence]).toEqual([1, 2]);
    expect(b.delivery.supersedes).toBe(a.delivery.id);
    expect((await d.metadata.getDelivery(a.delivery.id))?.supersededBy).toBe(b.delivery.id);
    const dst = (id: string) => (id === a.delivery.id ? a : b).extracts.find((e) => e.recipient === 'dst');
    expect(dst(b.delivery.id)?.replaces).toBe(dst(a.delivery.id)?.id);
    expect((await d.metadata.getExtract(dst(a.delivery.id)?.id ?? ''))?.status).toBe('superseded');
    const available = await d.metadata.listExtracts({ recipient: 'dst', status: 'available' }, null, 10);
    expect(available.items.map((e) => e.deliveryId)).toEqual([b.delivery.id]);
  });

  it("the same bytes from another source answer 200 with the slot's current delivery", async () => {
    const d = await deps(100);
    const xml = withErrors(5, 0, 0, 4);
    const a = await intake(d, request('sys-a', xml));
    const again = await intake(d, request('sys-b', xml));
    expect(again.status).toBe(200);
    expect(again.delivery.id).toBe(a.delivery.id);
    expect(again.extracts.map((e) => e.id).sort()).toEqual(a.extracts.map((e) => e.id).sort());
    expect((await d.metadata.listDeliveries({ source: 'sys-b' }, null, 10)).items).toEqual([]);
  });
});
