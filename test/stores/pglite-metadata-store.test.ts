import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyChain } from '../../src/audit/chain';
import { newId } from '../../src/core/ids';
import type { MetadataStore, TokenRecord } from '../../src/stores/metadata-store';
import { createPgliteClient } from '../../src/stores/sql/pglite-client';
import { createSqlMetadataStore } from '../../src/stores/sql/sql-metadata-store';
import { metadataStoreContract } from '../contract/metadata-store';

metadataStoreContract('pglite in memory', async () => {
  const store = createSqlMetadataStore(await createPgliteClient());
  return { store, cleanup: () => store.close() };
});

metadataStoreContract('pglite in a folder', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gw-pglite-'));
  const store = createSqlMetadataStore(await createPgliteClient(dir));
  return {
    store,
    cleanup: async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

describe('pglite in a folder: persistence', () => {
  let dir: string;
  let store: MetadataStore | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gw-pglite-reopen-'));
  });

  afterAll(async () => {
    await store?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps tokens, deliveries, extracts and the audit chain across close and reopen', async () => {
    const first = createSqlMetadataStore(await createPgliteClient(dir));
    await first.migrate();
    const token: TokenRecord = {
      id: newId('tok'),
      role: 'source',
      subject: 'kommune-0101',
      recipient: null,
      municipalities: ['0101'],
      datasets: ['daycare-children'],
      createdAt: '2024-01-02T03:04:05.678Z',
      expiresAt: null,
      revokedAt: null,
      lastUsedAt: null,
    };
    const tokenHash = 'f'.repeat(64);
    await first.createToken(token, tokenHash, {
      actor: 'tok_admin',
      action: 'token.issued',
      subject: token.id,
      details: {},
    });
    const deliveryId = newId('dlv');
    await first.createDelivery({
      id: deliveryId,
      dataset: 'daycare-children',
      datasetVersion: 1,
      municipality: '0101',
      period: '2024-01',
      source: 'kommune-0101',
      actor: token.id,
      contentType: 'application/xml',
      idempotencyKey: 'idem-1',
      receivedAt: new Date().toISOString(),
    });
    const extractId = newId('ext');
    const accepted = await first.acceptDelivery({
      id: deliveryId,
      outcome: {
        sha256: 'a'.repeat(64),
        bytes: 6_000_000_000,
        records: { total: 3, valid: 3, invalid: 0 },
        completedAt: new Date().toISOString(),
        receipt: 'receipt',
      },
      extracts: [
        {
          id: extractId,
          deliveryId,
          recipient: 'stil',
          dataset: 'daycare-children',
          municipality: '0101',
          period: '2024-01',
          records: 3,
          sha256: 'b'.repeat(64),
          bytes: 321,
          format: 'csv',
          contentType: 'text/csv',
          fileName: 'x.csv',
          objectKey: `extracts/${extractId}`,
          profile: { id: 'stil', version: 1, sha256: 'c'.repeat(64) },
          metadata: { lawfulUse: 'test' },
          createdAt: new Date().toISOString(),
          ackDueAt: null,
        },
      ],
      actor: token.id,
    });
    const head = await first.auditHead();
    expect(head.seq).toBe(3);
    await first.close();

    store = createSqlMetadataStore(await createPgliteClient(dir));
    await store.migrate();
    expect(await store.findTokenByHash(tokenHash)).toEqual(token);
    expect(await store.getDelivery(deliveryId)).toEqual(accepted.delivery);
    expect(await store.findDeliveryByIdempotencyKey('kommune-0101', 'idem-1')).toEqual(accepted.delivery);
    expect(await store.getExtract(extractId)).toEqual(accepted.extracts[0]);
    expect(await store.auditHead()).toEqual(head);
    expect(await verifyChain(store.iterateAudit(), head)).toEqual({
      valid: true,
      events: 3,
      head: head.hash,
    });
    // The reopened chain goes on from where it stopped.
    const [next] = await store.appendAudit([
      { actor: 'x', action: 'token.revoked', subject: 'x', details: {} },
    ]);
    expect(next?.seq).toBe(4);
    expect(next?.prevHash).toBe(head.hash);
  });
});
