import type { AuditDraft } from '../../audit/chain';
import type { Clock } from '../../core/clock';
import type { Role } from '../../core/vocabulary';
import type { RotateSigningKey, SessionRecord, SigningKeyRecord, TokenRecord } from '../records';
import { appendAudit, byId, copy, instant, iso, isoOrNull, json, type Tables } from './tables';

/** Tokens, dashboard sessions and receipt signing keys. */

export function createToken(
  t: Tables,
  now: Clock,
  token: TokenRecord,
  hash: string,
  audit: AuditDraft,
): void {
  if (t.tokens.has(token.id)) throw new Error(`memory: token ${token.id} exists`);
  for (const held of t.tokens.values())
    if (held.hash === hash) throw new Error('memory: another token has the same hash');
  t.tokens.set(token.id, {
    hash,
    token: {
      ...token,
      municipalities: [...token.municipalities],
      datasets: [...token.datasets],
      createdAt: iso(token.createdAt),
      expiresAt: isoOrNull(token.expiresAt),
      revokedAt: null,
      lastUsedAt: null,
    },
  });
  appendAudit(t, now, [audit]);
}

export function replaceTokenHash(t: Tables, id: string, oldHash: string, newHash: string): void {
  const held = t.tokens.get(id);
  if (held?.hash !== oldHash) return;
  for (const other of t.tokens.values())
    if (other !== held && other.hash === newHash) throw new Error('memory: another token has the same hash');
  t.tokens.set(id, { ...held, hash: newHash });
}

export function findTokenByHash(t: Tables, hash: string): TokenRecord | null {
  for (const held of t.tokens.values()) if (held.hash === hash) return copy(held.token);
  return null;
}

export function getToken(t: Tables, id: string): TokenRecord | null {
  const held = t.tokens.get(id);
  return held ? copy(held.token) : null;
}

export function listTokens(t: Tables, filter: { role?: Role; activeAt?: string }): TokenRecord[] {
  const { role, activeAt } = filter;
  return [...t.tokens.values()]
    .map((held) => held.token)
    .filter(
      (k) =>
        (!role || k.role === role) &&
        (!activeAt ||
          (k.revokedAt === null && (k.expiresAt === null || instant(k.expiresAt) > instant(activeAt)))),
    )
    .sort(byId)
    .map(copy);
}

export function revokeToken(t: Tables, now: Clock, id: string, at: string, audit: AuditDraft): boolean {
  const held = t.tokens.get(id);
  if (!held || held.token.revokedAt !== null) return false;
  t.tokens.set(id, { ...held, token: { ...held.token, revokedAt: iso(at) } });
  // Its dashboard sessions end with it.
  for (const [idHash, s] of t.sessions) if (s.tokenHash === held.hash) t.sessions.delete(idHash);
  appendAudit(t, now, [audit]);
  return true;
}

/** Notes when a token was last used, at most once a minute. */
export function touchToken(t: Tables, id: string, at: string): void {
  const held = t.tokens.get(id);
  if (!held) return;
  const last = held.token.lastUsedAt;
  if (last === null || instant(last) < instant(at) - 60_000)
    t.tokens.set(id, { ...held, token: { ...held.token, lastUsedAt: iso(at) } });
}

export function createSession(t: Tables, idHash: string, session: SessionRecord): void {
  if (t.sessions.has(idHash)) throw new Error('memory: the session exists');
  for (const [other, s] of t.sessions)
    if (instant(s.expiresAt) <= instant(session.createdAt)) t.sessions.delete(other);
  t.sessions.set(idHash, {
    tokenHash: session.tokenHash,
    createdAt: iso(session.createdAt),
    expiresAt: iso(session.expiresAt),
  });
}

export function findSession(t: Tables, idHash: string, at: string): SessionRecord | null {
  const s = t.sessions.get(idHash);
  if (!s) return null;
  if (instant(s.expiresAt) > instant(at)) return copy(s);
  t.sessions.delete(idHash);
  return null;
}

export function activeSigningKey(t: Tables): SigningKeyRecord | null {
  for (const k of t.keys.values()) if (k.retiredAt === null) return copy(k);
  return null;
}

function storedKey(k: SigningKeyRecord): SigningKeyRecord {
  return {
    kid: k.kid,
    alg: k.alg,
    publicJwk: json(k.publicJwk),
    privateJwk: json(k.privateJwk),
    createdAt: iso(k.createdAt),
    retiredAt: null,
  };
}

export function ensureSigningKey(t: Tables, candidate: SigningKeyRecord): SigningKeyRecord {
  if (!t.keys.has(candidate.kid) && !activeSigningKey(t)) t.keys.set(candidate.kid, storedKey(candidate));
  const active = activeSigningKey(t);
  if (!active) throw new Error('memory: no active signing key after insert');
  return active;
}

export function listSigningKeys(t: Tables): SigningKeyRecord[] {
  return [...t.keys.values()].sort((a, b) => instant(a.createdAt) - instant(b.createdAt)).map(copy);
}

export function rotateSigningKey(t: Tables, now: Clock, r: RotateSigningKey): SigningKeyRecord {
  const { next } = r;
  const current = activeSigningKey(t);
  if (current && current.kid === next.kid) return current;
  if (current && r.from !== undefined && current.kid !== r.from) return current;
  const same = t.keys.get(next.kid);
  if (same && JSON.stringify(same.publicJwk) !== JSON.stringify(json(next.publicJwk)))
    throw new Error(`memory: key id ${next.kid} already names another key; give the new key a new kid`);
  // A retired key never signs again: its private half goes.
  if (current) t.keys.set(current.kid, { ...current, retiredAt: iso(r.at), privateJwk: {} });
  t.keys.set(next.kid, same ? { ...same, retiredAt: null } : storedKey(next));
  appendAudit(t, now, [
    {
      actor: r.actor,
      action: 'receipt_key.rotated',
      subject: next.kid,
      details: { retired: current ? current.kid : null },
    },
  ]);
  return copy(t.keys.get(next.kid) as SigningKeyRecord);
}
