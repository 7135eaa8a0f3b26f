import { type AuditDraft, type AuditEvent, eventHash } from '../../audit/chain';
import type { ValidationIssue } from '../../core/validator';
import type {
  AuditFilter,
  DeliveryFilter,
  DeliveryRecord,
  ExtractFilter,
  ExtractRecord,
  MetadataStore,
  NewDelivery,
  NewExtract,
  Page,
  PushRecord,
  PushStatus,
  PushTarget,
  SessionRecord,
  SigningKeyRecord,
  TokenRecord,
} from '../metadata-store';
import type { SqlClient, SqlExecutor } from './client';
import { MIGRATIONS } from './migrations';

type SqlRow = Record<string, unknown>;

// PGlite and pg differ in what they hand back (numbers or strings for bigint, Date or text):
// every value read passes through one of these.
const ts = (v: unknown): string | null =>
  v === null || v === undefined ? null : new Date(v as string | Date).toISOString();
const tsReq = (v: unknown): string => new Date(v as string | Date).toISOString();
const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
const json = <T>(v: unknown): T => (typeof v === 'string' ? JSON.parse(v) : v) as T;

function encodeCursor(v: string | number): string {
  return btoa(JSON.stringify(v)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
}

function decodeCursor(c: string | null): string | number | null {
  if (!c) return null;
  try {
    const v = JSON.parse(atob(c.replace(/-/g, '+').replace(/_/g, '/')));
    return typeof v === 'string' || typeof v === 'number' ? v : null;
  } catch {
    return null;
  }
}

function toToken(r: SqlRow): TokenRecord {
  return {
    id: String(r.id),
    role: r.role as TokenRecord['role'],
    subject: String(r.subject),
    recipient: str(r.recipient),
    municipalities: json<string[]>(r.municipalities),
    datasets: json<string[]>(r.datasets),
    createdAt: tsReq(r.created_at),
    expiresAt: ts(r.expires_at),
    revokedAt: ts(r.revoked_at),
    lastUsedAt: ts(r.last_used_at),
  };
}

function toDelivery(r: SqlRow): DeliveryRecord {
  const total = num(r.records_total);
  return {
    id: String(r.id),
    dataset: String(r.dataset),
    datasetVersion: Number(r.dataset_version),
    municipality: String(r.municipality),
    period: String(r.period),
    source: String(r.source),
    actor: String(r.actor),
    status: r.status as DeliveryRecord['status'],
    contentType: String(r.content_type),
    idempotencyKey: str(r.idempotency_key),
    receivedAt: tsReq(r.received_at),
    completedAt: ts(r.completed_at),
    sha256: str(r.sha256),
    bytes: num(r.bytes),
    records:
      total === null
        ? null
        : { total, valid: num(r.records_valid) ?? 0, invalid: num(r.records_invalid) ?? 0 },
    errorCount: Number(r.error_count),
    supersedes: str(r.supersedes),
    supersededBy: str(r.superseded_by),
    receipt: str(r.receipt),
    problem: r.problem ? json<{ code: string; detail: string }>(r.problem) : null,
  };
}

function toPush(r: SqlRow): PushRecord {
  return {
    extractId: String(r.extract_id),
    recipient: String(r.recipient),
    target: json<PushTarget>(r.target),
    status: r.status as PushStatus,
    attempts: Number(r.attempts),
    nextAttemptAt: tsReq(r.next_attempt_at),
    lastError: str(r.last_error),
    location: str(r.location),
    deliveredAt: ts(r.delivered_at),
    createdAt: tsReq(r.created_at),
    claimedUntil: ts(r.claimed_until),
  };
}

function toExtract(r: SqlRow): ExtractRecord {
  const ackStatus = str(r.ack_status);
  return {
    id: String(r.id),
    deliveryId: String(r.delivery_id),
    recipient: String(r.recipient),
    dataset: String(r.dataset),
    municipality: String(r.municipality),
    period: String(r.period),
    status: r.status as ExtractRecord['status'],
    records: Number(r.records),
    sha256: String(r.sha256),
    bytes: Number(r.bytes),
    format: String(r.format),
    contentType: String(r.content_type),
    fileName: String(r.file_name),
    objectKey: String(r.object_key),
    profile: {
      id: String(r.profile_id),
      version: Number(r.profile_version),
      sha256: String(r.profile_sha256),
    },
    metadata: json<Record<string, unknown>>(r.metadata),
    replaces: str(r.replaces),
    createdAt: tsReq(r.created_at),
    ackDueAt: ts(r.ack_due_at),
    fetchedAt: ts(r.fetched_at),
    acknowledgedAt: ts(r.acknowledged_at),
    acknowledgement: ackStatus
      ? { status: ackStatus as 'accepted' | 'refused', reason: str(r.ack_reason) }
      : null,
  };
}

function toAudit(r: SqlRow): AuditEvent {
  return {
    seq: Number(r.seq),
    at: tsReq(r.at),
    actor: String(r.actor),
    action: String(r.action),
    subject: String(r.subject),
    details: json<Record<string, unknown>>(r.details),
    prevHash: String(r.prev_hash),
    hash: String(r.hash),
  };
}

function toKey(r: SqlRow): SigningKeyRecord {
  return {
    kid: String(r.kid),
    alg: String(r.alg),
    publicJwk: json(r.public_jwk),
    privateJwk: json(r.private_jwk),
    createdAt: tsReq(r.created_at),
    retiredAt: ts(r.retired_at),
  };
}

/** Appends events to the one chain; the head row's lock orders appends across nodes. */
async function appendAuditIn(tx: SqlExecutor, drafts: AuditDraft[]): Promise<AuditEvent[]> {
  if (drafts.length === 0) return [];
  const [head] = await tx.query('SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE');
  let seq = Number(head?.seq);
  let prevHash = String(head?.hash);
  const events: AuditEvent[] = [];
  for (const d of drafts) {
    seq++;
    const base = {
      seq,
      at: new Date().toISOString(),
      actor: d.actor,
      action: d.action,
      subject: d.subject,
      details: d.details,
      prevHash,
    };
    const event: AuditEvent = { ...base, hash: eventHash(base) };
    await tx.query(
      'INSERT INTO audit_events (seq, at, actor, action, subject, details, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8)',
      [
        event.seq,
        event.at,
        event.actor,
        event.action,
        event.subject,
        JSON.stringify(event.details),
        event.prevHash,
        event.hash,
      ],
    );
    events.push(event);
    prevHash = event.hash;
  }
  await tx.query('UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1', [seq, prevHash]);
  return events;
}

async function insertIssues(tx: SqlExecutor, deliveryId: string, issues: ValidationIssue[]): Promise<void> {
  const chunk = 500;
  for (let i = 0; i < issues.length; i += chunk) {
    const part = issues.slice(i, i + chunk);
    const params: unknown[] = [];
    const values = part.map((issue, j) => {
      params.push(
        deliveryId,
        i + j + 1,
        issue.record || null,
        issue.line ?? null,
        issue.field ?? null,
        issue.rule,
        issue.message,
      );
      const b = j * 7;
      return `($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5}, $${b + 6}, $${b + 7})`;
    });
    await tx.query(
      `INSERT INTO delivery_issues (delivery_id, seq, record, line, field, rule, message) VALUES ${values.join(', ')}`,
      params,
    );
  }
}

function where(conds: string[]): string {
  return conds.length ? `WHERE ${conds.join(' AND ')}` : '';
}

function page<T>(rows: T[], limit: number, cursorOf: (last: T) => string | number): Page<T> {
  const more = rows.length > limit;
  const items = more ? rows.slice(0, limit) : rows;
  const last = items[items.length - 1];
  return { items, next: more && last !== undefined ? encodeCursor(cursorOf(last)) : null };
}

/** The metadata store over PostgreSQL: the same SQL for the embedded PGlite and for a server. */
export function createSqlMetadataStore(db: SqlClient): MetadataStore {
  const deliveryById = async (ex: SqlExecutor, id: string) => {
    const [r] = await ex.query('SELECT * FROM deliveries WHERE id = $1', [id]);
    return r ? toDelivery(r) : null;
  };
  const extractById = async (ex: SqlExecutor, id: string) => {
    const [r] = await ex.query('SELECT * FROM extracts WHERE id = $1', [id]);
    return r ? toExtract(r) : null;
  };

  return {
    name: db.name,

    async migrate() {
      // CREATE TABLE IF NOT EXISTS is not safe against a second node doing the same at once.
      await db.transaction(async (tx) => {
        await tx.query('SELECT pg_advisory_xact_lock(7263001)');
        await tx.query(
          'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL)',
        );
      });
      for (const m of MIGRATIONS) {
        await db.transaction(async (tx) => {
          // Several nodes may start at once: one applies each migration, the others wait and skip it.
          await tx.query('SELECT pg_advisory_xact_lock(7263001)');
          const done = await tx.query('SELECT 1 FROM schema_migrations WHERE version = $1', [m.version]);
          if (done.length) return;
          await tx.exec(m.sql);
          await tx.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, now())', [
            m.version,
            m.name,
          ]);
        });
      }
    },

    async ping() {
      await db.query('SELECT 1');
    },

    close: () => db.close(),

    async createToken(t, tokenHash, audit) {
      await db.transaction(async (tx) => {
        await tx.query(
          `INSERT INTO tokens (id, token_hash, role, subject, recipient, municipalities, datasets, created_at, expires_at)
           VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb, $8, $9)`,
          [
            t.id,
            tokenHash,
            t.role,
            t.subject,
            t.recipient,
            JSON.stringify(t.municipalities),
            JSON.stringify(t.datasets),
            t.createdAt,
            t.expiresAt,
          ],
        );
        await appendAuditIn(tx, [audit]);
      });
    },

    async replaceTokenHash(id, oldHash, newHash) {
      await db.query('UPDATE tokens SET token_hash = $3 WHERE id = $1 AND token_hash = $2', [
        id,
        oldHash,
        newHash,
      ]);
    },

    async findTokenByHash(tokenHash) {
      const [r] = await db.query('SELECT * FROM tokens WHERE token_hash = $1', [tokenHash]);
      return r ? toToken(r) : null;
    },

    async listTokens(filter = {}) {
      const conds: string[] = [];
      const params: unknown[] = [];
      if (filter.role) {
        params.push(filter.role);
        conds.push(`role = $${params.length}`);
      }
      if (filter.activeAt) {
        params.push(filter.activeAt);
        conds.push(
          `revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $${params.length}::timestamptz)`,
        );
      }
      return (await db.query(`SELECT * FROM tokens ${where(conds)} ORDER BY id`, params)).map(toToken);
    },

    async getToken(id) {
      const [r] = await db.query('SELECT * FROM tokens WHERE id = $1', [id]);
      return r ? toToken(r) : null;
    },

    revokeToken(id, at, audit) {
      return db.transaction(async (tx) => {
        const rows = await tx.query(
          'UPDATE tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL RETURNING id',
          [id, at],
        );
        if (rows.length === 0) return false;
        // Its dashboard sessions end with it.
        await tx.query(
          'DELETE FROM sessions WHERE token_hash = (SELECT token_hash FROM tokens WHERE id = $1)',
          [id],
        );
        await appendAuditIn(tx, [audit]);
        return true;
      });
    },

    async createSession(idHash, session: SessionRecord) {
      await db.transaction(async (tx) => {
        await tx.query('DELETE FROM sessions WHERE expires_at <= $1::timestamptz', [session.createdAt]);
        await tx.query(
          'INSERT INTO sessions (id_hash, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4)',
          [idHash, session.tokenHash, session.createdAt, session.expiresAt],
        );
      });
    },

    async findSession(idHash, at) {
      const [r] = await db.query('SELECT * FROM sessions WHERE id_hash = $1', [idHash]);
      if (!r) return null;
      const session = {
        tokenHash: String(r.token_hash),
        createdAt: tsReq(r.created_at),
        expiresAt: tsReq(r.expires_at),
      };
      if (Date.parse(session.expiresAt) > Date.parse(at)) return session;
      await db.query('DELETE FROM sessions WHERE id_hash = $1', [idHash]);
      return null;
    },

    async endSession(idHash) {
      await db.query('DELETE FROM sessions WHERE id_hash = $1', [idHash]);
    },

    async touchToken(id, at) {
      await db.query(
        "UPDATE tokens SET last_used_at = $2 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $2::timestamptz - interval '1 minute')",
        [id, at],
      );
    },

    async ensureSigningKey(candidate) {
      await db.query(
        `INSERT INTO signing_keys (kid, alg, public_jwk, private_jwk, created_at) VALUES ($1, $2, $3::jsonb, $4::jsonb, $5)
         ON CONFLICT DO NOTHING`,
        [
          candidate.kid,
          candidate.alg,
          JSON.stringify(candidate.publicJwk),
          JSON.stringify(candidate.privateJwk),
          candidate.createdAt,
        ],
      );
      const [r] = await db.query('SELECT * FROM signing_keys WHERE retired_at IS NULL');
      if (!r) throw new Error(`${db.name}: no active signing key after insert`);
      return toKey(r);
    },

    async activeSigningKey() {
      const [r] = await db.query('SELECT * FROM signing_keys WHERE retired_at IS NULL');
      return r ? toKey(r) : null;
    },

    rotateSigningKey(next, at, actor, from) {
      return db.transaction(async (tx) => {
        await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', ['signing-keys']);
        const [current] = await tx.query('SELECT * FROM signing_keys WHERE retired_at IS NULL');
        if (current && String(current.kid) === next.kid) return toKey(current);
        if (current && from !== undefined && String(current.kid) !== from) return toKey(current);
        const [same] = await tx.query('SELECT * FROM signing_keys WHERE kid = $1', [next.kid]);
        if (same && JSON.stringify(toKey(same).publicJwk) !== JSON.stringify(next.publicJwk))
          throw new Error(
            `${db.name}: key id ${next.kid} already names another key; give the new key a new kid`,
          );
        // A retired key never signs again: its private half goes.
        await tx.query(
          "UPDATE signing_keys SET retired_at = $1, private_jwk = '{}'::jsonb WHERE retired_at IS NULL",
          [at],
        );
        await tx.query(
          `INSERT INTO signing_keys (kid, alg, public_jwk, private_jwk, created_at) VALUES ($1, $2, $3::jsonb, $4::jsonb, $5)
           ON CONFLICT (kid) DO UPDATE SET retired_at = NULL`,
          [
            next.kid,
            next.alg,
            JSON.stringify(next.publicJwk),
            JSON.stringify(next.privateJwk),
            next.createdAt,
          ],
        );
        await appendAuditIn(tx, [
          {
            actor,
            action: 'receipt_key.rotated',
            subject: next.kid,
            details: { retired: current ? String(current.kid) : null },
          },
        ]);
        const [r] = await tx.query('SELECT * FROM signing_keys WHERE kid = $1', [next.kid]);
        return toKey(r as SqlRow);
      });
    },

    async listSigningKeys() {
      return (await db.query('SELECT * FROM signing_keys ORDER BY created_at')).map(toKey);
    },

    async createDelivery(d: NewDelivery) {
      const [r] = await db.query(
        `INSERT INTO deliveries (id, dataset, dataset_version, municipality, period, source, actor, status, content_type, idempotency_key, received_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'receiving', $8, $9, $10) RETURNING *`,
        [
          d.id,
          d.dataset,
          d.datasetVersion,
          d.municipality,
          d.period,
          d.source,
          d.actor,
          d.contentType,
          d.idempotencyKey,
          d.receivedAt,
        ],
      );
      return toDelivery(r as SqlRow);
    },

    getDelivery: (id) => deliveryById(db, id),

    async findDeliveryByIdempotencyKey(source, key) {
      const [r] = await db.query('SELECT * FROM deliveries WHERE source = $1 AND idempotency_key = $2', [
        source,
        key,
      ]);
      return r ? toDelivery(r) : null;
    },

    async findAcceptedDuplicate(d, sha256) {
      const [r] = await db.query(
        `SELECT * FROM deliveries WHERE dataset = $1 AND municipality = $2 AND period = $3 AND source = $4
         AND status = 'accepted' AND superseded_by IS NULL AND sha256 = $5 AND content_type = $6 ORDER BY id DESC LIMIT 1`,
        [d.dataset, d.municipality, d.period, d.source, sha256, d.contentType],
      );
      return r ? toDelivery(r) : null;
    },

    async listDeliveries(filter: DeliveryFilter, cursor, limit) {
      const conds: string[] = [];
      const params: unknown[] = [];
      const add = (sql: string, v: unknown) => {
        params.push(v);
        conds.push(sql.replaceAll('?', `$${params.length}`));
      };
      if (filter.dataset) add('dataset = ?', filter.dataset);
      if (filter.municipality) add('municipality = ?', filter.municipality);
      if (filter.period) add('period = ?', filter.period);
      if (filter.status) add('status = ?', filter.status);
      if (filter.source) add('source = ?', filter.source);
      if (filter.municipalities)
        add(
          'municipality IN (SELECT jsonb_array_elements_text(?::jsonb))',
          JSON.stringify(filter.municipalities),
        );
      if (filter.datasets)
        add('dataset IN (SELECT jsonb_array_elements_text(?::jsonb))', JSON.stringify(filter.datasets));
      const after = decodeCursor(cursor);
      if (after !== null) add('id < ?', String(after));
      params.push(limit + 1);
      const rows = await db.query(
        `SELECT * FROM deliveries ${where(conds)} ORDER BY id DESC LIMIT $${params.length}`,
        params,
      );
      return page(rows.map(toDelivery), limit, (d) => d.id);
    },

    acceptDelivery(id, outcome, extracts: NewExtract[], actor, report) {
      return db.transaction(async (tx) => {
        const current = await deliveryById(tx, id);
        if (current?.status !== 'receiving') throw new Error(`${db.name}: delivery ${id} is not receiving`);
        const slot = [current.dataset, current.municipality, current.period, current.source].join('|');
        // Two nodes accepting deliveries for one slot at once must not both supersede the same one.
        await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [slot]);
        const [prevRow] = await tx.query(
          `SELECT id, sha256, content_type FROM deliveries WHERE dataset = $1 AND municipality = $2 AND period = $3 AND source = $4
           AND status = 'accepted' AND superseded_by IS NULL AND id <> $5 ORDER BY id DESC LIMIT 1`,
          [current.dataset, current.municipality, current.period, current.source, id],
        );
        const prev = prevRow ? String(prevRow.id) : null;
        if (prev && prevRow?.sha256 === outcome.sha256 && prevRow?.content_type === current.contentType) {
          // The same bytes raced in on another request or node and won: this one repeats it.
          await tx.query("DELETE FROM deliveries WHERE id = $1 AND status = 'receiving'", [id]);
          const delivery = (await deliveryById(tx, prev)) as DeliveryRecord;
          const rows = await tx.query('SELECT * FROM extracts WHERE delivery_id = $1 ORDER BY id', [prev]);
          return { delivery, extracts: rows.map(toExtract), repeated: true };
        }
        const replaced = new Map<string, string>();
        const audit: AuditDraft[] = [];
        if (prev) {
          const olds = await tx.query(
            `UPDATE extracts SET status = 'superseded' WHERE delivery_id = $1 AND status NOT IN ('superseded', 'purged') RETURNING id, recipient`,
            [prev],
          );
          for (const o of olds) replaced.set(String(o.recipient), String(o.id));
          await tx.query('UPDATE deliveries SET superseded_by = $1 WHERE id = $2', [id, prev]);
        }
        await tx.query(
          `UPDATE deliveries SET status = 'accepted', completed_at = $2, sha256 = $3, bytes = $4, records_total = $5,
           records_valid = $6, records_invalid = $7, receipt = $8, supersedes = $9, error_count = $10 WHERE id = $1`,
          [
            id,
            outcome.completedAt,
            outcome.sha256,
            outcome.bytes,
            outcome.records.total,
            outcome.records.valid,
            outcome.records.invalid,
            outcome.receipt,
            prev,
            report?.errorCount ?? 0,
          ],
        );
        if (report?.issues.length) await insertIssues(tx, id, report.issues);
        audit.push({
          actor,
          action: 'delivery.accepted',
          subject: id,
          details: {
            dataset: current.dataset,
            municipality: current.municipality,
            period: current.period,
            source: current.source,
            sha256: outcome.sha256,
            bytes: outcome.bytes,
            records: outcome.records,
            supersedes: prev,
          },
        });
        for (const e of extracts) {
          const replaces = replaced.get(e.recipient) ?? null;
          await tx.query(
            `INSERT INTO extracts (id, delivery_id, recipient, dataset, municipality, period, status, records, sha256, bytes, format,
             content_type, file_name, object_key, profile_id, profile_version, profile_sha256, metadata, replaces, created_at, ack_due_at)
             VALUES ($1, $2, $3, $4, $5, $6, 'available', $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17::jsonb, $18, $19, $20)`,
            [
              e.id,
              id,
              e.recipient,
              e.dataset,
              e.municipality,
              e.period,
              e.records,
              e.sha256,
              e.bytes,
              e.format,
              e.contentType,
              e.fileName,
              e.objectKey,
              e.profile.id,
              e.profile.version,
              e.profile.sha256,
              JSON.stringify(e.metadata),
              replaces,
              e.createdAt,
              e.ackDueAt,
            ],
          );
          if (e.push)
            await tx.query(
              `INSERT INTO pushes (extract_id, recipient, target, status, attempts, next_attempt_at, created_at)
               VALUES ($1, $2, $3::jsonb, 'pending', 0, $4, $4)`,
              [e.id, e.recipient, JSON.stringify(e.push), e.createdAt],
            );
          audit.push({
            actor,
            action: 'extract.created',
            subject: e.id,
            details: {
              delivery: id,
              recipient: e.recipient,
              profile: e.profile,
              records: e.records,
              sha256: e.sha256,
              bytes: e.bytes,
              replaces,
            },
          });
        }
        for (const [recipient, old] of replaced) {
          audit.push({ actor, action: 'extract.superseded', subject: old, details: { recipient, by: id } });
        }
        await appendAuditIn(tx, audit);
        const delivery = (await deliveryById(tx, id)) as DeliveryRecord;
        const rows = await tx.query('SELECT * FROM extracts WHERE delivery_id = $1 ORDER BY id', [id]);
        return { delivery, extracts: rows.map(toExtract) };
      });
    },

    endDelivery(id, status, outcome, problem, issues, errorCount, actor) {
      return db.transaction(async (tx) => {
        const rows = await tx.query(
          `UPDATE deliveries SET status = $2, completed_at = $3, sha256 = $4, bytes = $5, records_total = $6, records_valid = $7,
           records_invalid = $8, receipt = $9, problem = $10::jsonb, error_count = $11 WHERE id = $1 AND status = 'receiving' RETURNING *`,
          [
            id,
            status,
            outcome.completedAt,
            outcome.sha256 ?? null,
            outcome.bytes ?? null,
            outcome.records?.total ?? null,
            outcome.records?.valid ?? null,
            outcome.records?.invalid ?? null,
            outcome.receipt ?? null,
            JSON.stringify(problem),
            errorCount,
          ],
        );
        const row = rows[0];
        if (!row) throw new Error(`${db.name}: delivery ${id} is not receiving`);
        await insertIssues(tx, id, issues);
        const d = toDelivery(row);
        const byRule: Record<string, number> = {};
        for (const i of issues) byRule[i.rule] = (byRule[i.rule] ?? 0) + 1;
        await appendAuditIn(tx, [
          {
            actor,
            action: `delivery.${status}`,
            subject: id,
            details: {
              dataset: d.dataset,
              municipality: d.municipality,
              period: d.period,
              source: d.source,
              problem: problem.code,
              errorCount,
              rules: byRule,
              sha256: d.sha256,
              bytes: d.bytes,
            },
          },
        ]);
        return d;
      });
    },

    async discardReceiving(id) {
      await db.query("DELETE FROM deliveries WHERE id = $1 AND status = 'receiving'", [id]);
    },

    async releaseIdempotencyKey(id) {
      await db.query(
        "UPDATE deliveries SET idempotency_key = NULL WHERE id = $1 AND status IN ('failed', 'rejected') AND sha256 IS NULL",
        [id],
      );
    },

    async listIssues(deliveryId, cursor, limit) {
      const after = Number(decodeCursor(cursor) ?? 0);
      const rows = await db.query(
        'SELECT * FROM delivery_issues WHERE delivery_id = $1 AND seq > $2 ORDER BY seq LIMIT $3',
        [deliveryId, after, limit + 1],
      );
      const mapped = rows.map((r) => ({
        seq: Number(r.seq),
        issue: {
          record: num(r.record) ?? 0,
          ...(r.line !== null && r.line !== undefined ? { line: Number(r.line) } : {}),
          ...(r.field !== null && r.field !== undefined ? { field: String(r.field) } : {}),
          rule: String(r.rule),
          message: String(r.message),
        } as ValidationIssue,
      }));
      const p = page(mapped, limit, (x) => x.seq);
      return { items: p.items.map((x) => x.issue), next: p.next };
    },

    async listStaleReceiving(before) {
      const rows = await db.query(
        "SELECT * FROM deliveries WHERE status = 'receiving' AND received_at < $1 ORDER BY id",
        [before],
      );
      return rows.map(toDelivery);
    },

    getExtract: (id) => extractById(db, id),

    async listExtracts(filter: ExtractFilter, cursor, limit) {
      const conds: string[] = [];
      const params: unknown[] = [];
      const add = (sql: string, v: unknown) => {
        params.push(v);
        conds.push(sql.replaceAll('?', `$${params.length}`));
      };
      if (filter.recipient) add('recipient = ?', filter.recipient);
      if (filter.status) add('status = ?', filter.status);
      if (filter.dataset) add('dataset = ?', filter.dataset);
      if (filter.deliveryId) add('delivery_id = ?', filter.deliveryId);
      const after = decodeCursor(cursor);
      if (after !== null) add(filter.newestFirst ? 'id < ?' : 'id > ?', String(after));
      params.push(limit + 1);
      const rows = await db.query(
        `SELECT * FROM extracts ${where(conds)} ORDER BY id ${filter.newestFirst ? 'DESC' : 'ASC'} LIMIT $${params.length}`,
        params,
      );
      return page(rows.map(toExtract), limit, (e) => e.id);
    },

    markExtractFetched(id, at, actor) {
      return db.transaction(async (tx) => {
        const rows = await tx.query(
          "UPDATE extracts SET status = 'fetched', fetched_at = $2 WHERE id = $1 AND status = 'available' RETURNING *",
          [id, at],
        );
        if (rows[0]) {
          const e = toExtract(rows[0]);
          await appendAuditIn(tx, [
            {
              actor,
              action: 'extract.fetched',
              subject: id,
              details: { recipient: e.recipient, delivery: e.deliveryId, sha256: e.sha256 },
            },
          ]);
          return e;
        }
        return extractById(tx, id);
      });
    },

    acknowledgeExtract(id, ack, at, actor) {
      return db.transaction(async (tx) => {
        const [row] = await tx.query('SELECT * FROM extracts WHERE id = $1 FOR UPDATE', [id]);
        if (!row) return null;
        const e = toExtract(row);
        if (e.acknowledgement || !['available', 'fetched'].includes(e.status))
          return { result: 'conflict' as const, extract: e };
        const status = ack.status === 'accepted' ? 'acknowledged' : 'refused';
        const [updated] = await tx.query(
          'UPDATE extracts SET status = $2, acknowledged_at = $3, ack_status = $4, ack_reason = $5 WHERE id = $1 RETURNING *',
          [id, status, at, ack.status, ack.reason],
        );
        await appendAuditIn(tx, [
          {
            actor,
            action: ack.status === 'accepted' ? 'extract.acknowledged' : 'extract.refused',
            subject: id,
            details: { recipient: e.recipient, delivery: e.deliveryId, reason: ack.reason },
          },
        ]);
        return { result: 'ok' as const, extract: toExtract(updated as SqlRow) };
      });
    },

    async claimPushes(now, leaseUntil, limit) {
      const rows = await db.query(
        `UPDATE pushes p SET attempts = p.attempts + 1, claimed_until = $2
           FROM (SELECT extract_id FROM pushes
                  WHERE status = 'pending' AND next_attempt_at <= $1::timestamptz
                    AND (claimed_until IS NULL OR claimed_until <= $1::timestamptz)
                  ORDER BY next_attempt_at, extract_id LIMIT $3 FOR UPDATE SKIP LOCKED) due
          WHERE p.extract_id = due.extract_id
          RETURNING p.*`,
        [now, leaseUntil, limit],
      );
      return rows.map(toPush).sort((a, b) => a.nextAttemptAt.localeCompare(b.nextAttemptAt));
    },

    finishPush(extractId, result, at, actor, lease) {
      return db.transaction(async (tx) => {
        const [row] = await tx.query('SELECT * FROM pushes WHERE extract_id = $1 FOR UPDATE', [extractId]);
        if (!row) return null;
        const push = toPush(row);
        // Another node took the push over after this claim ran out: its word counts, not ours.
        if (lease && result.status !== 'delivered' && push.claimedUntil !== lease) return push;
        const audit: AuditDraft[] = [];
        if (result.status === 'delivered') {
          await tx.query(
            `UPDATE pushes SET status = 'delivered', delivered_at = $2, location = $3, last_error = NULL, claimed_until = NULL
             WHERE extract_id = $1`,
            [extractId, at, result.location],
          );
          const fetched = await tx.query(
            `UPDATE extracts SET status = 'fetched', fetched_at = $2 WHERE id = $1 AND status = 'available' RETURNING id`,
            [extractId, at],
          );
          audit.push({
            actor,
            action: 'extract.pushed',
            subject: extractId,
            details: { recipient: push.recipient, location: result.location, attempts: push.attempts },
          });
          if (fetched.length)
            audit.push({
              actor,
              action: 'extract.fetched',
              subject: extractId,
              details: { recipient: push.recipient, by: 'push' },
            });
        } else if (result.status === 'retry') {
          await tx.query(
            `UPDATE pushes SET status = 'pending', next_attempt_at = $2, last_error = $3, claimed_until = NULL WHERE extract_id = $1`,
            [extractId, result.nextAttemptAt, result.error],
          );
        } else if (result.status === 'failed') {
          await tx.query(
            `UPDATE pushes SET status = 'failed', last_error = $2, claimed_until = NULL WHERE extract_id = $1`,
            [extractId, result.error],
          );
          audit.push({
            actor,
            action: 'extract.push_failed',
            subject: extractId,
            details: { recipient: push.recipient, attempts: push.attempts, error: result.error },
          });
        } else {
          await tx.query(
            `UPDATE pushes SET status = 'cancelled', last_error = $2, claimed_until = NULL WHERE extract_id = $1`,
            [extractId, result.reason],
          );
          audit.push({
            actor,
            action: 'extract.push_cancelled',
            subject: extractId,
            details: { recipient: push.recipient, reason: result.reason },
          });
        }
        if (audit.length) await appendAuditIn(tx, audit);
        const [after] = await tx.query('SELECT * FROM pushes WHERE extract_id = $1', [extractId]);
        return after ? toPush(after) : null;
      });
    },

    async getPush(extractId) {
      const [row] = await db.query('SELECT * FROM pushes WHERE extract_id = $1', [extractId]);
      return row ? toPush(row) : null;
    },

    retryPush(extractId, at, actor) {
      return db.transaction(async (tx) => {
        const rows = await tx.query(
          `UPDATE pushes SET status = 'pending', attempts = 0, next_attempt_at = $2, claimed_until = NULL
            WHERE extract_id = $1 AND status = 'failed' RETURNING *`,
          [extractId, at],
        );
        const row = rows[0];
        if (!row) return null;
        const push = toPush(row);
        await appendAuditIn(tx, [
          {
            actor,
            action: 'extract.push_retried',
            subject: extractId,
            details: { recipient: push.recipient },
          },
        ]);
        return push;
      });
    },

    async statistics() {
      const [deliveries, extracts, pushes] = await Promise.all([
        db.query(
          `SELECT dataset, status, count(*) AS n, coalesce(sum(records_total), 0) AS records, coalesce(sum(bytes), 0) AS bytes
             FROM deliveries GROUP BY dataset, status ORDER BY dataset, status`,
        ),
        db.query(
          'SELECT recipient, status, count(*) AS n FROM extracts GROUP BY recipient, status ORDER BY recipient, status',
        ),
        db.query('SELECT status, count(*) AS n FROM pushes GROUP BY status ORDER BY status'),
      ]);
      return {
        deliveries: deliveries.map((r) => ({
          dataset: String(r.dataset),
          status: String(r.status),
          count: Number(r.n),
          records: Number(r.records),
          bytes: Number(r.bytes),
        })),
        extracts: extracts.map((r) => ({
          recipient: String(r.recipient),
          status: String(r.status),
          count: Number(r.n),
        })),
        pushes: pushes.map((r) => ({ status: String(r.status), count: Number(r.n) })),
      };
    },

    recordProfileVersion(p, at) {
      return db.transaction(async (tx) => {
        // One node at a time per profile, so two nodes starting together record one activation.
        await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`profile:${p.id}`]);
        const other = await tx.query(
          'SELECT 1 AS one FROM profile_versions WHERE profile_id = $1 AND version = $2 AND sha256 <> $3 LIMIT 1',
          [p.id, p.version, p.sha256],
        );
        await tx.query(
          `INSERT INTO profile_versions (profile_id, version, sha256, content, first_seen_at) VALUES ($1, $2, $3, $4::jsonb, $5)
           ON CONFLICT DO NOTHING`,
          [p.id, p.version, p.sha256, JSON.stringify(p.content), at],
        );
        const last = await tx.query(
          'SELECT version, sha256 FROM profile_activations WHERE profile_id = $1 ORDER BY seq DESC LIMIT 1',
          [p.id],
        );
        const current = last[0];
        const activated = !current || Number(current.version) !== p.version || current.sha256 !== p.sha256;
        const reusedVersion = other.length > 0;
        if (activated) {
          await tx.query(
            'INSERT INTO profile_activations (profile_id, version, sha256, activated_at) VALUES ($1, $2, $3, $4)',
            [p.id, p.version, p.sha256, at],
          );
          await appendAuditIn(tx, [
            {
              actor: 'gateway',
              action: 'profile.activated',
              subject: p.id,
              details: { version: p.version, sha256: p.sha256, reusedVersion },
            },
          ]);
        }
        return { activated, reusedVersion };
      });
    },

    async listProfileVersions(profileId) {
      const rows = await db.query(
        `SELECT a.seq, a.version, a.sha256, a.activated_at, v.content
           FROM profile_activations a
           JOIN profile_versions v ON v.profile_id = a.profile_id AND v.version = a.version AND v.sha256 = a.sha256
          WHERE a.profile_id = $1
          ORDER BY a.seq DESC`,
        [profileId],
      );
      let until: string | null = null;
      return rows.map((r) => {
        const rec = {
          profileId,
          version: Number(r.version),
          sha256: String(r.sha256),
          activeFrom: tsReq(r.activated_at),
          activeUntil: until,
          content: json<unknown>(r.content),
        };
        until = rec.activeFrom;
        return rec;
      });
    },

    appendAudit(drafts) {
      return db.transaction((tx) => appendAuditIn(tx, drafts));
    },

    async listAudit(filter: AuditFilter, cursor, limit) {
      const conds: string[] = [];
      const params: unknown[] = [];
      const add = (sql: string, v: unknown) => {
        params.push(v);
        conds.push(sql.replaceAll('?', `$${params.length}`));
      };
      if (filter.from) add('at >= ?::timestamptz', filter.from);
      if (filter.to) add('at < ?::timestamptz', filter.to);
      if (filter.actor) add('actor = ?', filter.actor);
      if (filter.action) add('action = ?', filter.action);
      if (filter.subject) add("(subject = ? OR details->>'delivery' = ?)", filter.subject);
      const after = decodeCursor(cursor);
      if (after !== null) add('seq > ?', Number(after));
      params.push(limit + 1);
      const rows = await db.query(
        `SELECT * FROM audit_events ${where(conds)} ORDER BY seq LIMIT $${params.length}`,
        params,
      );
      return page(rows.map(toAudit), limit, (e) => e.seq);
    },

    async auditHead() {
      const [r] = await db.query('SELECT seq, hash FROM audit_head WHERE id = 1');
      return { seq: Number(r?.seq ?? 0), hash: String(r?.hash) };
    },

    async *iterateAudit(pageSize = 1000) {
      let after = 0;
      for (;;) {
        const rows = await db.query('SELECT * FROM audit_events WHERE seq > $1 ORDER BY seq LIMIT $2', [
          after,
          pageSize,
        ]);
        if (rows.length === 0) return;
        const events = rows.map(toAudit);
        yield events;
        after = (events[events.length - 1] as AuditEvent).seq;
      }
    },
  };
}
