import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/core/ids';
import { type Gateway, startGateway } from '../support/harness';

/** The name of the file of the i-th extract made for the recipient: each a correction of the one before. */
const fileName = (i: number) => `daycare_101_extract-${String(i).padStart(3, '0')}-v${i + 1}.csv`;

describe('the dashboard for a recipient', () => {
  let gw: Gateway;
  let cookie: string;
  const MADE = 230;

  beforeAll(async () => {
    gw = await startGateway();
    // More extracts than any one page shows, made oldest to newest straight in the store.
    const store = gw.services.metadata;
    for (let i = 0; i < MADE; i++) {
      const at = new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString();
      const id = newId('dlv');
      await store.createDelivery({
        id,
        dataset: 'daycare',
        datasetVersion: 1,
        municipality: '101',
        period: '2026-10',
        source: `sys-${i}`,
        actor: 'test',
        contentType: 'application/xml',
        idempotencyKey: null,
        receivedAt: at,
      });
      const ext = newId('ext');
      await store.acceptDelivery({
        id,
        outcome: {
          sha256: i.toString(16).padStart(64, '0'),
          bytes: 100,
          records: { total: 1, valid: 1, invalid: 0 },
          completedAt: at,
          receipt: 'eyJhbGciOiJFZERTQSJ9.receipt.sig',
        },
        extracts: [
          {
            id: ext,
            deliveryId: id,
            recipient: 'dst',
            dataset: 'daycare',
            municipality: '101',
            period: '2026-10',
            records: 1,
            sha256: 'e'.repeat(64),
            bytes: 10,
            format: 'csv',
            contentType: 'text/csv; charset=utf-8',
            fileName: `daycare_101_extract-${String(i).padStart(3, '0')}-v{version}.csv`,
            objectKey: `extracts/${ext}`,
            profile: { id: 'dst-daycare', version: 1, sha256: 'f'.repeat(64) },
            metadata: {},
            createdAt: at,
            ackDueAt: null,
          },
        ],
        actor: 'test',
      });
    }
    const token = (await gw.issueToken({ role: 'recipient', subject: 'dst', recipient: 'dst' })).token;
    const res = await gw.request('/session', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token }).toString(),
    });
    expect(res.status).toBe(303);
    cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  }, 120_000);
  afterAll(async () => {
    await gw?.close();
  });

  const page = async (path: string) => {
    const res = await gw.request(path, { headers: { cookie } });
    expect(res.status).toBe(200);
    return res.text();
  };

  it('shows the newest extracts first, however many there are', async () => {
    const html = await page('/');
    expect(html).toContain(fileName(MADE - 1));
    expect(html.indexOf(fileName(MADE - 1))).toBeLessThan(html.indexOf(fileName(MADE - 2)));
    expect(html).not.toContain(fileName(0));
  });

  it('reaches every older extract through its "older" links, each once', async () => {
    const seen: string[] = [];
    let path: string | null = '/';
    for (let pages = 0; path && pages < 10; pages++) {
      const html: string = await page(path);
      seen.push(...[...html.matchAll(/daycare_101_extract-\d{3}-v\d+\.csv/g)].map((m) => m[0]));
      const older: string | undefined = /<a rel="next" href="([^"]+)">/.exec(html)?.[1];
      path = older ? older.replaceAll('&amp;', '&') : null;
    }
    expect(seen).toEqual(Array.from({ length: MADE }, (_, i) => fileName(MADE - 1 - i)));
  });
});
