import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/core/ids';
import { reapAbandonedDeliveries } from '../../src/jobs/janitor';
import { createFsObjectStore } from '../../src/stores/fs-object-store';
import type { MetadataStore } from '../../src/stores/metadata-store';
import { createPgliteClient } from '../../src/stores/sql/pglite-client';
import { createSqlMetadataStore } from '../../src/stores/sql/sql-metadata-store';

describe('the janitor', () => {
  let dir: string;
  let metadata: MetadataStore;
  const objects = () => createFsObjectStore(join(dir, 'objects'));

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gateway-janitor-'));
    metadata = createSqlMetadataStore(await createPgliteClient());
    await metadata.migrate();
  });
  afterAll(async () => {
    await metadata.close();
    await rm(dir, { recursive: true, force: true });
  });

  const receiving = (receivedAt: string) =>
    metadata.createDelivery({
      id: newId('dlv'),
      dataset: 'daycare',
      datasetVersion: 1,
      municipality: '101',
      period: '2026-10',
      source: 'sys-a',
      actor: 'sys-a (tok_x)',
      contentType: 'application/xml',
      idempotencyKey: null,
      receivedAt,
    });

  it('fails an abandoned delivery, deletes what it staged (half-written files too) and leaves a recent one alone', async () => {
    const now = new Date('2026-11-05T12:00:00Z');
    const old = await receiving('2026-11-05T03:00:00Z');
    const recent = await receiving('2026-11-05T11:30:00Z');
    const store = objects();
    const done = await store.create(`deliveries/${old.id}/original`);
    await done.write(new TextEncoder().encode('<Delivery/>'));
    await done.close();
    const half = await store.create(`deliveries/${old.id}/ext_1`);
    await half.write(new TextEncoder().encode('<Boern'));
    // `half` is never closed: a crash left it behind.

    const { reaped } = await reapAbandonedDeliveries({ metadata, objects: store }, now, 6 * 3600_000);
    expect(reaped).toEqual([old.id]);
    const after = await metadata.getDelivery(old.id);
    expect(after?.status).toBe('failed');
    expect(after?.problem?.code).toBe('abandoned');
    expect((await metadata.getDelivery(recent.id))?.status).toBe('receiving');
    const left = await readdir(join(dir, 'objects', 'deliveries')).catch(() => []);
    expect(left).not.toContain(old.id);
    const events = await metadata.listAudit({ action: 'delivery.failed' }, null, 10);
    expect(events.items.map((e) => e.subject)).toContain(old.id);
  });
});
