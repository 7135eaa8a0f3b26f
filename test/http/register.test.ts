import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticDelivery } from '../../src/cli/synthetic';
import {
  ADMIN_TOKEN,
  dashboardCookie,
  type MemoryGateway,
  startMemoryGateway,
  submit,
} from '../support/harness';

interface Entry {
  dataset: string;
  recipient: string;
  profile: string;
  version: number;
  purpose: string;
  legalBasis: string;
  personalData: string;
  personalFields: string[];
  pseudonymKeyIds: string[];
  fields: string[];
  level: string;
  transport: string;
}

/** The processing register and the lawful use an extract carries, as an auditor checks them. */
describe('the processing register', () => {
  let gw: MemoryGateway;
  let auditor: string;
  let source: string;

  beforeAll(async () => {
    gw = await startMemoryGateway();
    auditor = (await gw.issueToken({ role: 'auditor', subject: 'revision' })).token;
    source = (
      await gw.issueToken({ role: 'source', subject: 's', municipalities: ['101'], datasets: ['daycare'] })
    ).token;
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('lists every dataset × recipient with purpose, legal basis and the personal data sent', async () => {
    const res = await gw.request('/v1/processing-register', { token: auditor });
    expect(res.status).toBe(200);
    const { items } = (await res.json()) as { items: Entry[] };
    const profiles = [...gw.services.catalogue.profiles.values()].flat();
    expect(items).toHaveLength(profiles.length);
    const by = (id: string) => items.find((e) => e.profile === id) as Entry;
    // Statistics Denmark gets CPR numbers in clear; the key-figure warehouse pseudonyms only,
    // which are still personal data; the ministry an aggregate with none.
    expect(by('daycare/dst')).toMatchObject({ personalData: 'cpr', level: 'record', transport: 'pull' });
    expect(by('daycare/dst').personalFields).toContain('cpr');
    expect(by('daycare/flis')).toMatchObject({ personalData: 'pseudonymised', personalFields: ['cpr'] });
    expect(by('daycare/flis').pseudonymKeyIds.length).toBeGreaterThan(0);
    expect(by('daycare/stuk')).toMatchObject({
      personalData: 'none',
      personalFields: [],
      level: 'aggregate',
    });
    for (const e of items) {
      const profile = profiles.find((p) => p.profile.id === e.profile);
      expect(e.version).toBe(profile?.profile.version);
      expect(e.legalBasis).toBe(profile?.profile.lawfulUse.legalBasis);
      expect(e.purpose).toBe(profile?.profile.lawfulUse.purpose);
      expect(e.fields.length).toBeGreaterThan(0);
    }
  });

  it('is for auditors and admins, on the API and as a printable page', async () => {
    expect((await gw.request('/v1/processing-register', { token: source })).status).toBe(403);
    expect((await gw.request('/v1/processing-register', { token: ADMIN_TOKEN })).status).toBe(200);
    const page = async (token: string) =>
      gw.request('/processing-register', { headers: { cookie: await dashboardCookie(gw, token) } });
    const shown = await page(auditor);
    expect(shown.status).toBe(200);
    const html = await shown.text();
    expect(html).toContain('<h1>Fortegnelse over behandlinger</h1>');
    expect(html).toContain('pseudonymiseret (stadig personoplysninger)');
    expect(html).not.toContain('<script');
    expect((await page(source)).status).toBe(403);
  });

  it('an extract of pseudonyms is labelled personal data (pseudonymised), with its keys', async () => {
    const xml = [...syntheticDelivery({ dataset: 'daycare', records: 10, format: 'xml', seed: 4 })].join('');
    const res = await submit(gw, source, xml);
    expect(res.status).toBe(201);
    const extracts = ((await res.json()) as { extracts: Array<{ id: string; recipient: string }> }).extracts;
    const view = async (recipient: string) => {
      const id = extracts.find((e) => e.recipient === recipient)?.id;
      return (await (await gw.request(`/v1/extracts/${id}`, { token: auditor })).json()) as {
        metadata: { personalData: boolean; personalDataCategory: string; pseudonymKeyIds: string[] };
        lawfulUse: { legalBasis: string };
      };
    };
    expect((await view('flis')).metadata).toMatchObject({
      personalData: true,
      personalDataCategory: 'pseudonymised',
    });
    expect((await view('dst')).metadata).toMatchObject({ personalData: true, personalDataCategory: 'cpr' });
    expect((await view('stuk')).metadata).toMatchObject({
      personalData: false,
      personalDataCategory: 'none',
    });
    expect((await view('flis')).lawfulUse.legalBasis.length).toBeGreaterThan(10);
  });
});
