import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { decodeProtectedHeader, type JWK } from 'jose';
import type { AuditEvent, ChainVerdict } from '../audit/chain';
import { verifyWithCheckpoints } from '../audit/checkpoint';

/** The lines of an export, each parsed: an event, a checkpoint, or what cannot be read. */
async function* lines(path: string): AsyncIterable<{ n: number; value: unknown }> {
  const rl = createInterface({ input: createReadStream(path), crlfDelay: Number.POSITIVE_INFINITY });
  let n = 0;
  for await (const line of rl) {
    n++;
    if (line.trim() === '') continue;
    try {
      yield { n, value: JSON.parse(line) };
    } catch {
      yield { n, value: undefined };
    }
  }
}

const isEvent = (v: unknown): v is AuditEvent => {
  const e = v as Partial<AuditEvent> | null;
  return (
    typeof e === 'object' &&
    e !== null &&
    Number.isSafeInteger(e.seq) &&
    typeof e.at === 'string' &&
    typeof e.actor === 'string' &&
    typeof e.action === 'string' &&
    typeof e.subject === 'string' &&
    typeof e.details === 'object' &&
    e.details !== null &&
    typeof e.prevHash === 'string' &&
    typeof e.hash === 'string'
  );
};

const kidOf = (jws: string): string => {
  try {
    return String(decodeProtectedHeader(jws).kid ?? '');
  } catch {
    return '';
  }
};

const checkpointOf = (v: unknown): string | null => {
  const c = v as { checkpoint?: unknown } | null;
  return typeof c === 'object' && c !== null && typeof c.checkpoint === 'string' ? c.checkpoint : null;
};

/**
 * `gateway audit verify --offline EXPORT --jwks JWKS`: the chain of an export (GET
 * /v1/audit/export, from the first event) checked with nothing but the two files: every hash,
 * and every checkpoint's signature (the audit key by its kid in the JWKS) and the head it signed.
 */
export async function verifyExport(
  exportPath: string,
  jwksPath: string,
): Promise<ChainVerdict & { checkpointKeys: string[] }> {
  const jwks = JSON.parse(await readFile(jwksPath, 'utf8')) as { keys?: JWK[] };
  if (!Array.isArray(jwks.keys)) throw new Error(`${jwksPath} is not a JWK set ({"keys": […]})`);
  // One key per kid: a set naming a kid twice is not the gateway's (which would count?).
  const kids = jwks.keys.map((k) => k.kid);
  if (new Set(kids).size !== kids.length)
    throw new Error(`${jwksPath} names a kid twice: it is not a JWKS the gateway published`);
  // First pass: the checkpoints (one line each, a few hundred bytes); the events are streamed after.
  const checkpoints: string[] = [];
  for await (const { n, value } of lines(exportPath)) {
    const jws = checkpointOf(value);
    if (jws) checkpoints.push(jws);
    else if (!isEvent(value))
      return {
        valid: false,
        events: 0,
        head: '',
        reason: `line ${n} is neither an audit event nor a checkpoint`,
        checkpointKeys: [],
      };
  }
  async function* events(): AsyncIterable<AuditEvent[]> {
    let page: AuditEvent[] = [];
    for await (const { value } of lines(exportPath)) {
      if (!isEvent(value)) continue;
      page.push(value);
      if (page.length === 1000) {
        yield page;
        page = [];
      }
    }
    if (page.length) yield page;
  }
  // The keys the checkpoints name: the verdict holds only as far as the JWKS file is the
  // gateway's own (fetched from it and kept by the auditor); compare these with the kid pinned.
  const checkpointKeys = [...new Set(checkpoints.map(kidOf))].filter(Boolean);
  const verdict = { ...(await verifyWithCheckpoints(events(), checkpoints, jwks.keys)), checkpointKeys };
  // Every export holds an event at least (its own audit.exported): one with none is not an export.
  if (verdict.valid && verdict.events === 0)
    return {
      ...verdict,
      valid: false,
      reason: 'the file holds no audit event: it is not an export of the log',
    };
  return verdict;
}
