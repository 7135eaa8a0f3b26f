import { createHash, randomBytes } from 'node:crypto';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { daycareRecords, syntheticDelivery } from '../../src/cli/synthetic';
import { createApp } from '../../src/http/app';
import { provideStandardSchemas } from '../../src/pipeline/archival-package';
import { checkDelivery, runPendingRevalidations } from '../../src/pipeline/revalidate';
import { revalidationFor } from '../../src/pipeline/revalidation-report';
import { type Composed, composeServices } from '../../src/runtime/compose';
import { readConfig } from '../../src/runtime/config';
import { nodeClient } from '../../src/runtime/node-client';
import { createLogger, loadCatalogue } from '../../src/runtime/node-services';
import { readStandardSchemas } from '../../src/runtime/standard-schemas';
import { createMemoryMetadataStore } from '../../src/stores/memory/metadata-store';
import { createMemoryObjectStore } from '../../src/stores/memory/object-store';
import type { DeliveryRecord } from '../../src/stores/metadata-store';
import { contractOf } from '../support/contract';
import { ADMIN_TOKEN } from '../support/harness';

/**
 * A dataset's rules change (version 2: institution names at most 23 characters, at most 45
 * hours a week): the current deliveries of past periods are checked again from their stored
 * originals, and each municipality sees what would now fail, by rule — with nothing re-sent.
 */

const NAME_LIMIT = 23;
const HOURS_LIMIT = 45;

/** What version 2 says of a synthetic delivery, worked out from the generator, not the gateway. */
function expectedFailures(seed: number, records: number) {
  let invalid = 0;
  const errorsByRule: Record<string, number> = {};
  for (const r of daycareRecords({ records, seed })) {
    const rules: string[] = [];
    if ((r.institutionName ?? '').length > NAME_LIMIT) rules.push('maxLength');
    if (Number(r.weeklyHours) > HOURS_LIMIT) rules.push('max');
    if (rules.length) invalid++;
    for (const rule of rules) errorsByRule[rule] = (errorsByRule[rule] ?? 0) + 1;
  }
  return { total: records, valid: records - invalid, invalid, errorsByRule };
}

const sum = (a: Record<string, number>, b: Record<string, number>) => {
  const out = { ...a };
  for (const [k, n] of Object.entries(b)) out[k] = (out[k] ?? 0) + n;
  return out;
};

describe('re-validation when a dataset’s rules change', () => {
  let clock = new Date('2026-11-20T10:00:00.000Z');
  const now = () => clock;
  const metadata = createMemoryMetadataStore(now);
  const objects = createMemoryObjectStore();
  const tokenKey = randomBytes(32);
  let root: string;
  let composed: Composed;
  let request: (path: string, init?: RequestInit & { token?: string }) => Promise<Response>;
  let sourceToken: string;
  const delivered = new Map<string, { id: string; seed: number; records: number }>();

  async function start(schemasDir: string) {
    provideStandardSchemas(readStandardSchemas);
    const config = readConfig({
      GATEWAY_DATA_DIR: root,
      GATEWAY_ADMIN_TOKEN: ADMIN_TOKEN,
      GATEWAY_SCHEMAS_DIR: schemasDir,
      LOG_LEVEL: 'warn',
    });
    composed = await composeServices({
      version: 'test',
      log: createLogger('warn', new Writable({ write: (_c, _e, cb) => cb() })),
      now,
      settings: config,
      catalogue: loadCatalogue(config, root),
      metadata,
      objects,
      tokenKey,
      secrets: () => undefined,
      client: nodeClient([], now),
      pushWorker: false,
    });
    const app = createApp(composed.services);
    const contract = contractOf(async () => app.request('http://gateway.test/openapi.json'));
    request = async (path, init = {}) => {
      const { token, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (token) headers.set('authorization', `Bearer ${token}`);
      const res = await app.request(`http://gateway.test${path}`, { ...rest, headers });
      await (await contract).check(rest.method ?? 'GET', path, res);
      return res;
    };
  }

  async function deliver(municipality: string, period: string, seed: number, format: 'xml' | 'csv' = 'xml') {
    const records = 60;
    const text = [...syntheticDelivery({ dataset: 'daycare', records, format, seed })].join('');
    // The CSV goes as ISO-8859-1: read again as UTF-8, its names would be other lengths (or unreadable).
    const body = format === 'csv' ? Buffer.from(text, 'latin1') : Buffer.from(text, 'utf8');
    const res = await request(
      `/v1/deliveries?dataset=daycare&municipality=${municipality}&period=${period}`,
      {
        method: 'POST',
        token: sourceToken,
        headers: { 'content-type': format === 'csv' ? 'text/csv; charset=iso-8859-1' : 'application/xml' },
        body,
      },
    );
    expect(res.status, await res.clone().text()).toBe(201);
    const id = ((await res.json()) as { id: string }).id;
    delivered.set(`${municipality}/${period}`, { id, seed, records });
    return id;
  }

  /** Everything re-validation must leave alone: deliveries, extracts, pushes, objects. */
  async function snapshot() {
    const deliveries = await metadata.listDeliveries({ dataset: 'daycare' }, null, 1000);
    const extracts = await metadata.listExtracts({ dataset: 'daycare' }, null, 1000);
    const keys: string[] = [];
    for await (const k of objects.list('deliveries/')) keys.push(k);
    const hashes: Record<string, string> = {};
    for (const k of keys.sort()) {
      const h = createHash('sha256');
      for await (const c of (await objects.read(k)) ?? []) h.update(c);
      hashes[k] = h.digest('hex');
    }
    return {
      deliveries: deliveries.items,
      extracts: extracts.items,
      stats: await metadata.statistics(),
      hashes,
    };
  }

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'gateway-revalidation-'));
    await cp(new URL('../../schemas', import.meta.url).pathname, join(root, 'schemas-v1'), {
      recursive: true,
    });
    await cp(join(root, 'schemas-v1'), join(root, 'schemas-v2'), { recursive: true });
    const path = join(root, 'schemas-v2', 'daycare.json');
    const schema = JSON.parse(await readFile(path, 'utf8')) as {
      version: number;
      fields: Array<Record<string, unknown>>;
    };
    schema.version += 1;
    for (const f of schema.fields) {
      if (f.id === 'institutionName') f.maxLength = NAME_LIMIT;
      if (f.id === 'weeklyHours') f.max = HOURS_LIMIT;
    }
    await writeFile(path, JSON.stringify(schema, null, 2));
    await start(join(root, 'schemas-v1'));
    const res = await request('/v1/admin/tokens', {
      method: 'POST',
      token: ADMIN_TOKEN,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        role: 'source',
        subject: 'kommune',
        municipalities: ['101', '147'],
        datasets: ['daycare'],
      }),
    });
    sourceToken = ((await res.json()) as { token: string }).token;
  });

  afterAll(async () => {
    await composed?.stop();
    await rm(root, { recursive: true, force: true });
  });

  it('checks the current deliveries of past periods against the new rules and shows what would now fail, by rule and municipality', async () => {
    await deliver('101', '2026-09', 1);
    await deliver('101', '2026-10', 2);
    await deliver('147', '2026-10', 3, 'csv');
    const superseded = await deliver('147', '2026-09', 4);
    await deliver('147', '2026-09', 5); // a correction: the slot's current delivery
    const purged = await deliver('147', '2026-08', 6);
    await deliver('101', '2026-11', 7); // the period in progress: not checked
    // The original of one delivery is gone (as a purge leaves it).
    await objects.delete(`deliveries/${purged}/original`);
    expect((await metadata.getDelivery(superseded))?.supersededBy).not.toBeNull();

    // Version 1 again at the next start: nothing to re-check.
    await composed.stop();
    await start(join(root, 'schemas-v1'));
    let runs = await request('/v1/datasets/daycare/revalidations', { token: ADMIN_TOKEN });
    expect(((await runs.json()) as { items: unknown[] }).items).toEqual([]);

    const before = await snapshot();
    const headBefore = await metadata.auditHead();

    // The rules change: the node starts with version 2, and a run is queued on its own.
    await composed.stop();
    await start(join(root, 'schemas-v2'));
    runs = await request('/v1/datasets/daycare/revalidations', { token: ADMIN_TOKEN });
    const queued = ((await runs.json()) as { items: Array<Record<string, unknown>> }).items;
    expect(queued).toHaveLength(1);
    expect(queued[0]).toMatchObject({
      dataset: 'daycare',
      datasetVersion: 2,
      status: 'queued',
      requestedBy: 'gateway',
    });

    // An admin asks for one as well.
    const asked = await request('/v1/datasets/daycare/revalidate', { method: 'POST', token: ADMIN_TOKEN });
    expect(asked.status).toBe(202);
    const run = (await asked.json()) as { id: string; status: string; datasetVersion: number };
    expect(run).toMatchObject({ status: 'queued', datasetVersion: 2 });
    expect(asked.headers.get('location')).toBe(`/v1/datasets/daycare/revalidations/${run.id}`);
    expect(
      (await request('/v1/datasets/nosuch/revalidate', { method: 'POST', token: ADMIN_TOKEN })).status,
    ).toBe(404);

    expect(await composed.runRevalidations()).toEqual({ finished: 2, paused: 0 });

    const shown = await request(`/v1/datasets/daycare/revalidations/${run.id}`, { token: ADMIN_TOKEN });
    expect(shown.status).toBe(200);
    const body = (await shown.json()) as {
      status: string;
      total: number;
      checked: number;
      nowFailing: number;
      missing: number;
      municipalities: Array<{
        municipality: string;
        checked: number;
        nowFailing: number;
        missing: number;
        records: { total: number; valid: number; invalid: number };
        errorsByRule: Record<string, number>;
        deliveries: Array<{
          delivery: string;
          period: string;
          outcome: string;
          records: unknown;
          errorsByRule: unknown;
        }>;
      }>;
    };
    const e1 = expectedFailures(1, 60);
    const e2 = expectedFailures(2, 60);
    const e3 = expectedFailures(3, 60);
    const e5 = expectedFailures(5, 60);
    // The rules bite: some records fail now, and they were all valid at intake.
    expect(e1.invalid + e2.invalid + e3.invalid + e5.invalid).toBeGreaterThan(0);
    const failing = [e1, e2, e3, e5].filter((e) => e.invalid > 0).length;
    expect(body).toMatchObject({ status: 'done', total: 5, checked: 5, nowFailing: failing, missing: 1 });
    const [m101, m147] = body.municipalities;
    expect(m101).toMatchObject({
      municipality: '101',
      checked: 2,
      missing: 0,
      records: { total: 120, valid: e1.valid + e2.valid, invalid: e1.invalid + e2.invalid },
      errorsByRule: sum(e1.errorsByRule, e2.errorsByRule),
    });
    expect(m101?.deliveries).toEqual([
      {
        delivery: delivered.get('101/2026-09')?.id,
        period: '2026-09',
        outcome: 'checked',
        records: { total: 60, valid: e1.valid, invalid: e1.invalid },
        errorsByRule: e1.errorsByRule,
        problem: null,
      },
      {
        delivery: delivered.get('101/2026-10')?.id,
        period: '2026-10',
        outcome: 'checked',
        records: { total: 60, valid: e2.valid, invalid: e2.invalid },
        errorsByRule: e2.errorsByRule,
        problem: null,
      },
    ]);
    expect(m147).toMatchObject({
      municipality: '147',
      checked: 3,
      missing: 1,
      records: { total: 120, valid: e3.valid + e5.valid, invalid: e3.invalid + e5.invalid },
      errorsByRule: sum(e3.errorsByRule, e5.errorsByRule),
    });
    expect(m147?.deliveries.map((d) => [d.period, d.delivery, d.outcome])).toEqual([
      ['2026-08', purged, 'missing'],
      ['2026-09', delivered.get('147/2026-09')?.id, 'checked'],
      ['2026-10', delivered.get('147/2026-10')?.id, 'checked'],
    ]);
    // No value from a delivery in what a run shows: counts and rule ids only.
    const text = JSON.stringify(body);
    for (const r of daycareRecords({ records: 60, seed: 1 })) expect(text).not.toContain(r.cpr);

    // The quality report and the run reports read the latest result per slot.
    const slots = await revalidationFor(metadata, { dataset: 'daycare', municipality: '101' });
    expect(slots.map((s) => [s.period, s.records?.invalid, s.nowFailing, s.datasetVersion])).toEqual([
      ['2026-09', e1.invalid, e1.invalid > 0, 2],
      ['2026-10', e2.invalid, e2.invalid > 0, 2],
    ]);

    // Nothing was re-sent or changed: deliveries, receipts, extracts, pushes and objects as they were.
    expect(await snapshot()).toEqual(before);
    const events = await metadata.listAudit({}, null, 1000);
    expect(events.items.filter((e) => e.seq > headBefore.seq).map((e) => e.action)).toEqual([
      'dataset.revalidation_requested',
      'dataset.revalidation_requested',
      'dataset.revalidated',
      'dataset.revalidated',
    ]);
    const verify = await request('/v1/audit/verify', { token: ADMIN_TOKEN });
    expect(await verify.json()).toMatchObject({ valid: true });
  });

  it('goes on where a node that died left off, once its lease has run out', async () => {
    const asked = await request('/v1/datasets/daycare/revalidate', { method: 'POST', token: ADMIN_TOKEN });
    const run = (await asked.json()) as { id: string };
    // A node claims the run, checks one delivery, and dies.
    const dead = await metadata.claimRevalidation(
      clock.toISOString(),
      new Date(clock.getTime() + 120_000).toISOString(),
      'dead-node',
      [{ dataset: 'daycare', version: 2 }],
    );
    expect(dead?.id).toBe(run.id);
    const first = (await metadata.getDelivery(delivered.get('101/2026-09')?.id ?? '')) as DeliveryRecord;
    const catalogue = composed.services.catalogue.datasets.get('daycare');
    if (!catalogue) throw new Error('no daycare');
    const result = await checkDelivery({ objects, now }, catalogue, first);
    expect(
      await metadata.recordRevalidationResult(run.id, {
        claim: 'dead-node',
        leaseUntil: new Date(clock.getTime() + 120_000).toISOString(),
        total: 5,
        result,
      }),
    ).toBe(true);
    // Held: another node finds nothing to do.
    expect(await composed.runRevalidations()).toEqual({ finished: 0, paused: 0 });
    clock = new Date(clock.getTime() + 121_000);
    expect(await composed.runRevalidations()).toEqual({ finished: 1, paused: 0 });
    const shown = await request(`/v1/datasets/daycare/revalidations/${run.id}`, { token: ADMIN_TOKEN });
    // Each delivery once, the one the dead node checked included.
    expect(await shown.json()).toMatchObject({ status: 'done', total: 5, checked: 5, missing: 1 });
  });

  it('stops at its time budget and goes on at the next trigger (the Workers cron)', async () => {
    const asked = await request('/v1/datasets/daycare/revalidate', { method: 'POST', token: ADMIN_TOKEN });
    const run = (await asked.json()) as { id: string };
    expect(await composed.runRevalidations({ budgetMs: 0 })).toEqual({ finished: 0, paused: 1 });
    expect(await metadata.getRevalidation(run.id)).toMatchObject({ status: 'running', checked: 0 });
    // The paused run's lease was let go: the next trigger takes it up at once.
    expect(await composed.runRevalidations({ budgetMs: 60_000 })).toEqual({ finished: 1, paused: 0 });
    expect(await metadata.getRevalidation(run.id)).toMatchObject({ status: 'done', checked: 5 });
  });

  it('records an original that can no longer be read as unreadable, with the problem code and no value', async () => {
    const first = (await metadata.getDelivery(delivered.get('101/2026-09')?.id ?? '')) as DeliveryRecord;
    const compiled = composed.services.catalogue.datasets.get('daycare');
    if (!compiled) throw new Error('no daycare');
    const broken = createMemoryObjectStore();
    const sink = await broken.create(`deliveries/${first.id}/original`);
    await sink.write(
      Buffer.from('<Delivery xmlns="urn:flis-gateway:daycare:1"><Enrolment><Cpr>0101011234</Cpr>'),
    );
    await sink.write(Buffer.from('</Delivery>'));
    await sink.close();
    const result = await checkDelivery({ objects: broken, now }, compiled, first);
    expect(result).toMatchObject({ outcome: 'unreadable', records: null, errorsByRule: {} });
    expect(result.problem).toMatch(/^[a-z_]+$/);
    expect(JSON.stringify(result)).not.toContain('0101011234');
    // A recorded content type the gateway no longer reads.
    const other = await checkDelivery({ objects, now }, compiled, {
      ...first,
      contentType: 'application/pdf',
    });
    expect(other).toMatchObject({ outcome: 'unreadable', problem: 'unsupported_media_type' });
  });

  it('ends a run failed, with the gateway words and an audit event, when the object store breaks under it', async () => {
    const asked = await request('/v1/datasets/daycare/revalidate', { method: 'POST', token: ADMIN_TOKEN });
    const run = (await asked.json()) as { id: string };
    const breaking = {
      ...objects,
      read: async () => {
        throw new Error('the bucket is gone: 0101011234');
      },
    };
    const tally = await runPendingRevalidations({
      metadata,
      objects: breaking,
      catalogue: composed.services.catalogue,
      now,
    });
    expect(tally).toEqual({ finished: 1, paused: 0 });
    const shown = await request(`/v1/datasets/daycare/revalidations/${run.id}`, { token: ADMIN_TOKEN });
    const body = (await shown.json()) as { status: string; error: string; checked: number };
    expect(body).toMatchObject({ status: 'failed', checked: 0 });
    expect(body.error).not.toContain('0101011234');
    const audit = await metadata.listAudit({ action: 'dataset.revalidated' }, null, 100);
    expect(audit.items.at(-1)?.details).toMatchObject({ run: run.id, status: 'failed' });
  });
});
