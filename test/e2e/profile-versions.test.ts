import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticDelivery } from '../../src/cli/synthetic';
import { ADMIN_TOKEN, type Gateway, startGateway, submit } from '../support/harness';

interface Version {
  version: number;
  sha256: string;
  activeFrom: string;
  activeUntil: string | null;
  profile: { version: number; output: { record?: string } };
}

describe('profile versions', () => {
  let root: string;
  let dataDir: string;
  let deliveriesDir: string;
  let gw: Gateway | null = null;
  const sample = (seed: number) =>
    [...syntheticDelivery({ dataset: 'daycare', records: 20, format: 'xml', seed })].join('');
  const start = async () => {
    gw = await startGateway({ GATEWAY_DELIVERIES_DIR: deliveriesDir }, { dataDir });
    return gw;
  };
  const editDst = async (edit: (p: Record<string, unknown>) => void) => {
    const path = join(deliveriesDir, 'daycare', 'dst.json');
    const p = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
    edit(p);
    await writeFile(path, JSON.stringify(p, null, 2));
  };
  const versionsOf = async (g: Gateway, token = ADMIN_TOKEN) => {
    const res = await g.request('/v1/datasets/daycare/profiles/dst/versions', { token });
    expect(res.status).toBe(200);
    return ((await res.json()) as { items: Version[] }).items;
  };

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'gateway-versions-'));
    dataDir = join(root, 'data');
    deliveriesDir = join(root, 'deliveries');
    await cp(new URL('../../deliveries', import.meta.url).pathname, deliveriesDir, { recursive: true });
  });
  afterAll(async () => {
    await gw?.close();
    await rm(root, { recursive: true, force: true });
  });

  it('a new version affects new extracts only, and the store keeps which was in force when', async () => {
    let g = await start();
    const source = (
      await g.issueToken({
        role: 'source',
        subject: 'vendor',
        municipalities: ['101'],
        datasets: ['daycare'],
      })
    ).token;
    const dst = (await g.issueToken({ role: 'recipient', subject: 'dst', recipient: 'dst' })).token;
    const auditor = (await g.issueToken({ role: 'auditor', subject: 'audit' })).token;
    const first = (await (await submit(g, source, sample(1))).json()) as {
      extracts: Array<{ id: string; recipient: string }>;
    };
    const oldId = first.extracts.find((e) => e.recipient === 'dst')?.id as string;
    const oldContent = await (await g.request(`/v1/extracts/${oldId}/content`, { token: dst })).text();
    const [v1] = await versionsOf(g, auditor);
    expect(v1?.version).toBe(1);
    expect(v1?.activeUntil).toBeNull();
    await g.close();

    // The operator renames the record element and says so with version 2.
    await editDst((p) => {
      p.version = 2;
      (p.output as Record<string, unknown>).record = 'Indskrivning';
    });
    g = await start();
    const versions = await versionsOf(g, auditor);
    expect(versions.map((v) => v.version)).toEqual([2, 1]);
    expect(versions[0]?.activeUntil).toBeNull();
    expect(versions[1]?.activeUntil).toBe(versions[0]?.activeFrom);
    expect(versions[1]?.sha256).toBe(v1?.sha256);
    expect(versions[0]?.profile.output.record).toBe('Indskrivning');

    // The old extract is as it was, and says which version made it.
    const old = (await (await g.request(`/v1/extracts/${oldId}`, { token: dst })).json()) as {
      profile: { version: number; sha256: string };
    };
    expect(old.profile).toMatchObject({ version: 1, sha256: v1?.sha256 });
    const again = await (await g.request(`/v1/extracts/${oldId}/content`, { token: dst })).text();
    expect(again).toBe(oldContent);
    expect(again).not.toContain('<Indskrivning>');

    const second = (await (
      await submit(g, source, sample(2), 'dataset=daycare&municipality=101&period=2026-11')
    ).json()) as { extracts: Array<{ id: string; recipient: string }> };
    const newId = second.extracts.find((e) => e.recipient === 'dst')?.id as string;
    const made = (await (await g.request(`/v1/extracts/${newId}`, { token: dst })).json()) as {
      profile: { version: number; sha256: string };
    };
    expect(made.profile).toEqual({ id: 'daycare/dst', version: 2, sha256: versions[0]?.sha256 });
    expect(await (await g.request(`/v1/extracts/${newId}/content`, { token: dst })).text()).toContain(
      '<Indskrivning>',
    );

    // Auditors see each activation in the log.
    const audit = (await (
      await g.request('/v1/audit?action=profile.activated', { token: auditor })
    ).json()) as { items: Array<{ subject: string; details: { version: number } }> };
    expect(audit.items.filter((e) => e.subject === 'daycare/dst').map((e) => e.details.version)).toEqual([
      1, 2,
    ]);
  });

  it('warns when a profile changed without a new version number', async () => {
    await gw?.close();
    await editDst((p) => {
      (p.output as Record<string, unknown>).record = 'Barn';
    });
    const g = await start();
    expect(g.logs.join('')).toContain('this profile changed without a new version number');
    const versions = await versionsOf(g);
    expect(versions.map((v) => v.version)).toEqual([2, 2, 1]);
    expect(versions[0]?.sha256).not.toBe(versions[1]?.sha256);
  });

  it('answers 404 for a profile that never was', async () => {
    const res = await gw?.request('/v1/datasets/daycare/profiles/nobody/versions', { token: ADMIN_TOKEN });
    expect(res?.status).toBe(404);
    expect(res?.headers.get('content-type')).toContain('application/problem+json');
  });
});
