import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build, type Case, caseArb, mustRefuse, plantedCprs } from './mutations';
import { judge } from './oracle';
import { ATTACK_ADMIN, answerViolations, curlRepro, fail, SEED, settings, Target } from './target';

/**
 * Mutated deliveries in every format, charset and encoding against a gateway process. The
 * gateway may refuse anything (with a problem document), but accepts only what an independent
 * reading of the same bytes finds valid, never answers 5xx and never dies.
 */
describe('attack: mutated deliveries', () => {
  let target: Target;
  let source: string;
  const planted = plantedCprs();
  const tally = new Map<string, number>();
  let period = 0;
  const LIMIT = 16 * 1024 * 1024;
  const MUNICIPALITIES = ['101', '147', '151', '153', '157', '159'];

  let flis: string;
  type Delivery = { extracts?: Array<{ id: string; recipient: string }> };
  /**
   * Values pass through unchanged: the flis extract carries daycare's fields as delivered
   * (the schemas' only normalisation is trimming XML whitespace, which the judge does too).
   */
  async function unchanged(d: Delivery, rows: Array<Record<string, string> | string>): Promise<string[]> {
    const e = d.extracts?.find((x) => x.recipient === 'flis');
    if (!e) return ['no flis extract'];
    const res = await target.call(`/v1/extracts/${e.id}/content`, { token: flis });
    if (res.status !== 200) return [`flis extract: ${res.status}`];
    const out = res.text
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    if (out.length !== rows.length)
      return [`flis extract has ${out.length} rows; the delivery ${rows.length}`];
    const changed: string[] = [];
    rows.forEach((r, i) => {
      if (typeof r === 'string') return;
      const row = out[i] as Record<string, unknown>;
      for (const f of ['institutionId', 'institutionName', 'careType', 'startDate', 'endDate']) {
        const want = r[f] === undefined || r[f] === '' ? undefined : r[f];
        const got = row[f] === null || row[f] === '' ? undefined : row[f];
        if (got !== want)
          changed.push(
            `record ${i + 1} ${f} changed on the way: ${JSON.stringify(want)} became ${JSON.stringify(got)}`,
          );
      }
    });
    return changed.slice(0, 3);
  }

  beforeAll(async () => {
    target = await Target.start({ GATEWAY_MAX_DELIVERY_BYTES: String(LIMIT) });
    source = (
      await target.issueToken({ role: 'source', subject: 'attacker', municipalities: ['*'], datasets: ['*'] })
    ).token;
    flis = (await target.issueToken({ role: 'recipient', subject: 'flis', recipient: 'flis' })).token;
  }, 60_000);
  afterAll(async () => {
    console.log(
      `attack deliveries (seed ${SEED}): ${[...tally].map(([k, v]) => `${k} ${v}`).join(', ')}; gateway deaths: ${target?.deaths.length}`,
    );
    await target?.stop();
  });

  /** One mutated delivery and every promise about its answer; `alone` also checks the process after it. */
  async function attackOnce(c: Case, alone = true): Promise<void> {
    const built = build(c);
    // A new period each time (months that have begun: 2000 to 2024, then round again).
    period++;
    const month = period % 300;
    const p = `${2000 + Math.floor(month / 12)}-${String((month % 12) + 1).padStart(2, '0')}`;
    const municipality = MUNICIPALITIES[period % MUNICIPALITIES.length] as string;
    const path = `/v1/deliveries?dataset=${c.dataset}&municipality=${municipality}&period=${p}`;
    const headers: Record<string, string> = { 'content-type': built.contentType };
    if (built.contentEncoding) headers['content-encoding'] = built.contentEncoding;
    let res = await target.call(path, { method: 'POST', token: source, headers, body: built.body });
    // An upload over the limit is refused at once and its connection closed while the body is
    // still being sent: curl, reading while it sends, sees the 413; Node's client sees EPIPE.
    if (res.status === 0 && built.body.length > LIMIT && /EPIPE|ECONNRESET/.test(res.error ?? ''))
      res = {
        status: 413,
        headers: new Headers({ 'content-type': 'application/problem+json' }),
        text: '{"type":"/problems/payload_too_large","title":"connection closed while sending","status":413}',
      };
    const key = `${c.mutation.kind}→${res.status}`;
    tally.set(key, (tally.get(key) ?? 0) + 1);
    const broken = answerViolations(res, planted, 'POST');
    if (res.status === 200 || res.status === 201) {
      const plain = build({
        ...c,
        mutation: { kind: 'none' },
        encoding: 'identity',
        compressed: undefined,
      });
      const refuse = mustRefuse(c, plain.body.length);
      const verdict = judge({
        dataset: c.dataset,
        municipality,
        period: p,
        contentType: built.contentType,
        contentEncoding: built.contentEncoding,
        body: built.body,
      });
      if (refuse) broken.push(`accepted (${res.status}) though it has ${refuse}`);
      else if (verdict.kind === 'invalid')
        broken.push(`accepted (${res.status}) though it is invalid: ${verdict.why}`);
      else if (verdict.kind === 'valid') {
        const d = JSON.parse(res.text) as { records?: { total?: number } };
        if (d.records?.total !== verdict.records)
          broken.push(`accepted ${d.records?.total} records; the bytes hold ${verdict.records}`);
        else if (res.status === 201 && c.dataset === 'daycare')
          broken.push(...(await unchanged(d as Delivery, verdict.rows)));
      }
    } else if (
      c.mutation.kind === 'none' &&
      !c.compressed &&
      (c.encoding === 'identity' || c.encoding === 'gzip') &&
      res.status !== 0 &&
      res.status < 500
    ) {
      broken.push(`refused an unmutated valid delivery: ${res.status} ${res.text.slice(0, 200)}`);
    }
    if (alone && !(await target.ensureUp())) broken.push(`the gateway died: ${target.deaths.at(-1)}`);
    if (broken.length)
      await fail(
        `POST /v1/deliveries ${JSON.stringify(c)}`,
        broken,
        await curlRepro('POST', path, { ...headers, authorization: 'Bearer $SOURCE' }, built.body),
      );
  }

  it('a mutated delivery is refused with a problem, or accepted only when it is still valid; never 5xx, never a crash', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, (c: Case) => attackOnce(c)),
      settings(200, 45),
    );
  }, 180_000);

  it('mutated deliveries sent at the same moment: each answered as if alone, and the process stays up', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(caseArb, { minLength: 2, maxLength: 6 }), async (cases) => {
        const results = await Promise.allSettled(cases.map((c) => attackOnce(c, false)));
        if (!(await target.ensureUp()))
          await fail(
            'concurrent deliveries ' + JSON.stringify(cases),
            [`the gateway died: ${target.deaths.at(-1)}`],
            '(see the cases)',
          );
        const failed = results.find((r) => r.status === 'rejected');
        if (failed) throw (failed as PromiseRejectedResult).reason;
      }),
      settings(25, 20),
    );
  }, 120_000);

  it('afterwards no delivery is left receiving: every refusal finished the delivery it opened', async () => {
    let left: Array<{ id: string }> = [];
    for (let i = 0; i < 20; i++) {
      const res = await target.call('/v1/deliveries?status=receiving&limit=10', { token: ATTACK_ADMIN });
      expect(res.status, res.text).toBe(200);
      left = (JSON.parse(res.text) as { items: Array<{ id: string }> }).items;
      if (!left.length) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(left.map((d) => d.id)).toEqual([]);
  });

  it('afterwards the gateway is up, /health is 200 and the audit chain is valid', async () => {
    expect(target.deaths).toEqual([]);
    expect(target.alive()).toBe(true);
    expect((await target.call('/health')).status).toBe(200);
    const verify = await target.call('/v1/audit/verify', { token: ATTACK_ADMIN });
    expect(verify.status).toBe(200);
    expect(JSON.parse(verify.text)).toMatchObject({ valid: true });
  });
});
