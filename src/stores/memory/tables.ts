import { type AuditCheckpoint, type AuditDraft, type AuditEvent, GENESIS_HASH } from '../../audit/chain';
import type { Clock } from '../../core/clock';
import type { ValidationIssue } from '../../core/validator';
import { chainEvents } from '../chain-events';
import type {
  DeliveryRecord,
  ExtractRecord,
  PushRecord,
  RunRecord,
  SessionRecord,
  SigningKeyRecord,
  TokenRecord,
} from '../records';
import type { RevalidationResult, RevalidationRun } from '../revalidation-records';
import type { SubscriptionRecord, WebhookMessageRecord } from '../webhook-records';

/**
 * The in-memory metadata store's tables. Records are never changed in place: a change puts a
 * new record in the map, so a copy of the maps is a snapshot a failed change rolls back to.
 */
export interface Tables {
  tokens: Map<string, { token: TokenRecord; hash: string }>;
  sessions: Map<string, SessionRecord>;
  keys: Map<string, SigningKeyRecord>;
  deliveries: Map<string, DeliveryRecord>;
  issues: Map<string, ValidationIssue[]>;
  extracts: Map<string, ExtractRecord>;
  pushes: Map<string, PushRecord>;
  /** Profile versions seen, by profile id, version and sha256. */
  profileVersions: Map<string, { content: unknown }>;
  activations: Array<{ profileId: string; version: number; sha256: string; activatedAt: string }>;
  audit: AuditEvent[];
  /** Signed checkpoints by sequence number. */
  checkpoints: Map<number, AuditCheckpoint>;
  /** Runs by id, with their summary and reports as the JSON text they were stored as. */
  runs: Map<string, { run: RunRecord; summary: string; reports: ReadonlyMap<string, string> }>;
  /** Dataset versions nodes started with, oldest first. */
  datasetVersions: Array<{ dataset: string; version: number; sha256: string; recordedAt: string }>;
  revalidationRuns: Map<string, RevalidationRun & { claimedBy: string | null; leaseUntil: string | null }>;
  /** Results by run id and delivery id (JSON of the pair). */
  revalidationResults: Map<string, RevalidationResult>;
  subscriptions: Map<string, SubscriptionRecord>;
  webhookMessages: Map<string, WebhookMessageRecord>;
  /** The last audit sequence number turned into webhook messages. */
  webhookCursor: number;
}

export function createTables(): Tables {
  return {
    tokens: new Map(),
    sessions: new Map(),
    keys: new Map(),
    deliveries: new Map(),
    issues: new Map(),
    extracts: new Map(),
    pushes: new Map(),
    profileVersions: new Map(),
    activations: [],
    audit: [],
    checkpoints: new Map(),
    runs: new Map(),
    datasetVersions: [],
    revalidationRuns: new Map(),
    revalidationResults: new Map(),
    subscriptions: new Map(),
    webhookMessages: new Map(),
    webhookCursor: 0,
  };
}

function snapshot(t: Tables): Tables {
  return {
    tokens: new Map(t.tokens),
    sessions: new Map(t.sessions),
    keys: new Map(t.keys),
    deliveries: new Map(t.deliveries),
    issues: new Map(t.issues),
    extracts: new Map(t.extracts),
    pushes: new Map(t.pushes),
    profileVersions: new Map(t.profileVersions),
    activations: [...t.activations],
    audit: [...t.audit],
    checkpoints: new Map(t.checkpoints),
    runs: new Map(t.runs),
    datasetVersions: [...t.datasetVersions],
    revalidationRuns: new Map(t.revalidationRuns),
    revalidationResults: new Map(t.revalidationResults),
    subscriptions: new Map(t.subscriptions),
    webhookMessages: new Map(t.webhookMessages),
    webhookCursor: t.webhookCursor,
  };
}

/**
 * Runs a change as one transaction. The change is synchronous, so nothing else runs while it
 * does (one JavaScript process decides every race); when it throws, the tables are put back
 * as they were.
 */
export function transaction<T>(t: Tables, change: (t: Tables) => T): T {
  const before = snapshot(t);
  try {
    return change(t);
  } catch (e) {
    Object.assign(t, before);
    throw e;
  }
}

/** An instant as the SQL store hands it back: ISO 8601 in UTC with milliseconds. */
export const iso = (at: string): string => {
  const ms = Date.parse(at);
  if (Number.isNaN(ms)) throw new Error(`memory: ${JSON.stringify(at)} is not an instant`);
  return new Date(ms).toISOString();
};
export const isoOrNull = (at: string | null): string | null => (at === null ? null : iso(at));
export const instant = (at: string): number => Date.parse(at);

/** A JSON value as stored and read back (what jsonb keeps). */
export const json = <T>(v: T): T => JSON.parse(JSON.stringify(v));

/** A copy for the caller, who may change it without changing the store. */
export const copy = <T>(v: T): T => structuredClone(v);

/** Appends events to the chain. */
export function appendAudit(t: Tables, now: Clock, drafts: AuditDraft[]): AuditEvent[] {
  if (drafts.length === 0) return [];
  const stored = drafts.map((d) => ({ ...d, details: json(d.details) }));
  const events = chainEvents(auditHead(t), stored, now().toISOString());
  t.audit.push(...events);
  return events.map(copy);
}

export function auditHead(t: Tables): { seq: number; hash: string } {
  const last = t.audit[t.audit.length - 1];
  return last ? { seq: last.seq, hash: last.hash } : { seq: 0, hash: GENESIS_HASH };
}

/** Compares ids as the SQL store orders them (byte order). */
export const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
