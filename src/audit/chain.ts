import { createHash } from 'node:crypto';
import { canonicalJson } from '../core/canonical-json';
import type { AuditAction } from '../core/vocabulary';

export const GENESIS_HASH = '0'.repeat(64);

/** An event as the log holds it: an older log may hold actions this version no longer makes. */
export interface AuditEntry {
  actor: string;
  action: string;
  subject: string;
  details: Record<string, unknown>;
}

/** An event this version appends: its action is one of the gateway's own. */
export interface AuditDraft extends AuditEntry {
  action: AuditAction;
}

export interface AuditEvent extends AuditEntry {
  seq: number;
  at: string;
  prevHash: string;
  hash: string;
}

/** The hash of an event covers every field of it and the hash of the event before. */
export function eventHash(e: Omit<AuditEvent, 'hash'>): string {
  const body = canonicalJson({
    seq: e.seq,
    at: e.at,
    actor: e.actor,
    action: e.action,
    subject: e.subject,
    details: e.details,
    prevHash: e.prevHash,
  });
  return createHash('sha256').update(body).digest('hex');
}

/** A signed checkpoint over the chain: the hash of event `seq` (the head then), signed at `at`. */
export interface AuditCheckpoint {
  seq: number;
  head: string;
  at: string;
  /** Compact JWS (EdDSA, typ audit-checkpoint+jwt) over {seq, head, at}. */
  jws: string;
}

export interface ChainVerdict {
  valid: boolean;
  events: number;
  head: string;
  /** The first sequence number whose event does not fit the chain. */
  brokenAt?: number;
  /** Checkpoints whose signature and head were checked. */
  checkpoints?: number;
  reason?: string;
}

/**
 * Walks the chain from the start; events must come oldest first. `signedHeads` (sequence number
 * → the head a checkpoint signed there, its signature already checked) must each match the
 * chain: a chain rewritten and hashed again breaks at the first checkpoint after the change.
 */
export async function verifyChain(
  events: AsyncIterable<AuditEvent[]>,
  expectedHead?: { seq: number; hash: string },
  signedHeads: ReadonlyMap<number, string> = new Map(),
): Promise<ChainVerdict> {
  let prev = GENESIS_HASH;
  let expectedSeq = 1;
  let count = 0;
  let lastSigned = 0;
  for await (const page of events) {
    // A long chain gives the event loop back between pages: other requests are answered meanwhile.
    await new Promise<void>((go) => setTimeout(go, 0));
    for (const e of page) {
      const signed = signedHeads.get(e.seq);
      if (signed !== undefined && signed !== e.hash)
        return {
          valid: false,
          events: count,
          head: prev,
          brokenAt: lastSigned + 1,
          reason: `the events ${lastSigned + 1}–${e.seq} are not those the checkpoint at ${e.seq} signed: one of them was changed`,
        };
      if (signed !== undefined) lastSigned = e.seq;
      if (e.seq !== expectedSeq)
        return {
          valid: false,
          events: count,
          head: prev,
          brokenAt: expectedSeq,
          reason: 'an event is missing',
        };
      if (e.prevHash !== prev)
        return {
          valid: false,
          events: count,
          head: prev,
          brokenAt: e.seq,
          reason: 'prevHash does not match the event before',
        };
      if (eventHash(e) !== e.hash)
        return {
          valid: false,
          events: count,
          head: prev,
          brokenAt: e.seq,
          reason: 'the event does not match its hash',
        };
      prev = e.hash;
      expectedSeq++;
      count++;
    }
  }
  const beyond = [...signedHeads.keys()].filter((seq) => seq > count).sort((a, b) => a - b)[0];
  if (beyond !== undefined)
    return {
      valid: false,
      events: count,
      head: prev,
      brokenAt: count + 1,
      reason: `events after this one were removed: a checkpoint was signed at ${beyond}`,
    };
  if (expectedHead && (expectedHead.seq !== count || expectedHead.hash !== prev)) {
    return {
      valid: false,
      events: count,
      head: prev,
      brokenAt: count + 1,
      reason: 'events after this one were removed: the chain is shorter than its recorded head',
    };
  }
  return { valid: true, events: count, head: prev };
}
