import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticDelivery } from '../../src/cli/synthetic';
import { ADMIN_TOKEN, type Gateway, startGateway, submit } from '../support/harness';

/** The value of one sample line, by metric name and labels as written. */
function sample(text: string, line: string): number | undefined {
  const hit = text.split('\n').find((l) => l.startsWith(`${line} `));
  return hit === undefined ? undefined : Number(hit.slice(line.length + 1));
}

describe('/metrics', () => {
  let gw: Gateway;
  let text: string;
  beforeAll(async () => {
    gw = await startGateway();
    const source = (
      await gw.issueToken({ role: 'source', subject: 's', municipalities: ['101'], datasets: ['daycare'] })
    ).token;
    const good = [...syntheticDelivery({ dataset: 'daycare', records: 25, format: 'xml', seed: 1 })].join('');
    expect((await submit(gw, source, good)).status).toBe(201);
    const bad = [
      ...syntheticDelivery({ dataset: 'daycare', records: 20, format: 'xml', seed: 2, invalidShare: 0.5 }),
    ].join('');
    expect((await submit(gw, source, bad, 'dataset=daycare&municipality=101&period=2026-09')).status).toBe(
      422,
    );
    const res = await gw.request('/metrics', { token: ADMIN_TOKEN });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain; version=0.0.4');
    text = await res.text();
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('counts deliveries, records and bytes by dataset and status', () => {
    expect(sample(text, 'gateway_deliveries{dataset="daycare",status="accepted"}')).toBe(1);
    expect(sample(text, 'gateway_deliveries{dataset="daycare",status="rejected"}')).toBe(1);
    expect(sample(text, 'gateway_delivery_records{dataset="daycare",status="accepted"}')).toBe(25);
    expect(sample(text, 'gateway_delivery_bytes{dataset="daycare",status="accepted"}')).toBeGreaterThan(1000);
  });

  it('counts extracts by recipient and status', () => {
    for (const r of ['dst', 'stuk', 'flis', 'rigsarkivet'])
      expect(sample(text, `gateway_extracts{recipient="${r}",status="available"}`)).toBe(1);
  });

  it('has the intake duration as a histogram by outcome', () => {
    expect(text).toContain('# TYPE gateway_intake_duration_seconds histogram');
    expect(sample(text, 'gateway_intake_duration_seconds_count{dataset="daycare",outcome="accepted"}')).toBe(
      1,
    );
    expect(
      sample(text, 'gateway_intake_duration_seconds_count{dataset="daycare",outcome="delivery_rejected"}'),
    ).toBe(1);
    expect(
      sample(text, 'gateway_intake_duration_seconds_bucket{dataset="daycare",outcome="accepted",le="+Inf"}'),
    ).toBe(1);
  });

  it('is for auditors and admins only', async () => {
    expect((await gw.request('/metrics')).status).toBe(401);
    const dst = (await gw.issueToken({ role: 'recipient', subject: 'dst', recipient: 'dst' })).token;
    expect((await gw.request('/metrics', { token: dst })).status).toBe(403);
    const auditor = (await gw.issueToken({ role: 'auditor', subject: 'a' })).token;
    expect((await gw.request('/metrics', { token: auditor })).status).toBe(200);
  });

  it('signs in like the API: a client certificate bound to an auditor is let in, one bound to a recipient is not', async () => {
    const certificate = (cn: string) => ({ fingerprint256: '', subject: `C=DK, O=Kommune, CN=${cn}` });
    await gw.issueToken({
      role: 'auditor',
      subject: 'audit-cert',
      certificate: { subject: certificate('a').subject },
    });
    await gw.issueToken({
      role: 'recipient',
      subject: 'dst-cert',
      recipient: 'dst',
      certificate: { subject: certificate('r').subject },
    });
    const verified = gw.services.clientCertificate;
    try {
      gw.services.clientCertificate = () => certificate('a');
      expect((await gw.request('/metrics')).status).toBe(200);
      gw.services.clientCertificate = () => certificate('r');
      expect((await gw.request('/metrics')).status).toBe(403);
      gw.services.clientCertificate = () => certificate('nobody');
      expect((await gw.request('/metrics')).status).toBe(401);
    } finally {
      gw.services.clientCertificate = verified;
    }
  });
});
