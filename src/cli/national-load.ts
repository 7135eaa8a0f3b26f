/**
 * A planned national year made real: each submission's body, written to files or sent through a
 * gateway's HTTP app with the gateway's clock set to the submission's planned instant.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  type NationalYearPlan,
  type PlannedSlot,
  type PlannedSubmission,
  submissionsInOrder,
} from './national-plan';
import { syntheticDelivery } from './synthetic';

/** The bytes a submission sends: a synthetic delivery (synthetic CPR numbers only) with the planned faults. */
export function submissionBody(slot: PlannedSlot, submission: PlannedSubmission): string {
  return [
    ...syntheticDelivery({
      dataset: slot.dataset,
      records: submission.records,
      format: submission.format,
      seed: submission.seed,
      municipality: slot.municipality,
      period: slot.period,
      faults: new Map(submission.faults.map((f) => [f.record - 1, f.fault])),
    }),
  ].join('');
}

/** `plan.json` and every submission's body under `dir`, as each submission's `file` names it. */
export async function writeNationalYear(dir: string, plan: NationalYearPlan): Promise<number> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'plan.json'), `${JSON.stringify(plan, null, 1)}\n`);
  let files = 0;
  for (const slot of plan.slots)
    for (const submission of slot.submissions) {
      const path = join(dir, submission.file);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, submissionBody(slot, submission));
      files++;
    }
  return files;
}

/** A gateway to load into: its HTTP app, an admin token, and its clock. */
export interface LoadTarget {
  request(path: string, init?: RequestInit & { token?: string }): Promise<Response>;
  adminToken: string;
  /** Sets the gateway's clock. */
  setTime(at: Date): void;
}

export interface LoadedSubmission {
  dataset: string;
  municipality: string;
  period: string;
  n: number;
  outcome: 'accepted' | 'rejected';
  /** The HTTP status the gateway answered. */
  status: number;
  /** The delivery's id (a rejection's `deliveryId`), when the answer named one. */
  delivery: string | null;
}

export interface LoadSummary {
  submissions: number;
  accepted: number;
  rejected: number;
  /** Answers that were not what the plan says (201 for accepted, 422 for rejected). */
  unexpected: LoadedSubmission[];
  loaded: LoadedSubmission[];
  /** The source token per municipality (`subject` `source-<code>`), for further requests. */
  tokens: Map<string, string>;
  ms: number;
}

/** The answer the gateway gives a planned submission. */
const EXPECTED_STATUS = { accepted: 201, rejected: 422 } as const;

/**
 * Loads the plan into a gateway: one source token per municipality (both datasets), issued at
 * the start of the year, then every submission in the order received, the clock at its planned
 * instant. The clock is left at the plan's `asOf`.
 */
export async function loadNationalYear(
  target: LoadTarget,
  plan: NationalYearPlan,
  opts: { /** Called after each submission with the number done. */ progress?: (done: number) => void } = {},
): Promise<LoadSummary> {
  const started = performance.now();
  target.setTime(new Date(`${plan.year}-01-01T06:00:00.000Z`));
  const tokens = new Map<string, string>();
  for (const code of plan.municipalities) {
    const res = await target.request('/v1/admin/tokens', {
      method: 'POST',
      token: target.adminToken,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        role: 'source',
        subject: `source-${code}`,
        municipalities: [code],
        datasets: ['daycare', 'eldercare'],
      }),
    });
    if (res.status !== 201)
      throw new Error(`issuing the token for ${code} answered ${res.status}: ${await res.text()}`);
    tokens.set(code, ((await res.json()) as { token: string }).token);
  }
  const loaded: LoadedSubmission[] = [];
  for (const { slot, submission } of submissionsInOrder(plan)) {
    target.setTime(new Date(submission.at));
    const query = new URLSearchParams({
      dataset: slot.dataset,
      municipality: slot.municipality,
      period: slot.period,
    });
    const res = await target.request(`/v1/deliveries?${query}`, {
      method: 'POST',
      token: tokens.get(slot.municipality),
      headers: { 'content-type': submission.contentType },
      body: submissionBody(slot, submission),
    });
    const body = (await res.json().catch(() => ({}))) as { id?: unknown; deliveryId?: unknown };
    const id = res.status === 201 ? body.id : body.deliveryId;
    loaded.push({
      dataset: slot.dataset,
      municipality: slot.municipality,
      period: slot.period,
      n: submission.n,
      outcome: submission.outcome,
      status: res.status,
      delivery: typeof id === 'string' ? id : null,
    });
    opts.progress?.(loaded.length);
  }
  target.setTime(new Date(plan.asOf));
  return {
    submissions: loaded.length,
    accepted: loaded.filter((l) => l.status === 201).length,
    rejected: loaded.filter((l) => l.status === 422).length,
    unexpected: loaded.filter((l) => l.status !== EXPECTED_STATUS[l.outcome]),
    loaded,
    tokens,
    ms: Math.round(performance.now() - started),
  };
}
