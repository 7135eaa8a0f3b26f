import type { AuditCheckpoint } from '../audit/chain';
import { CHECKPOINT_PREFIX } from '../jobs/audit-checkpoints';
import type { Services } from './services';

type Deps = Pick<Services, 'metadata' | 'objects'>;

/**
 * Every checkpoint the gateway holds: the database's rows and the object store's copies (a
 * rewrite of the database alone leaves the copies), each JWS once.
 */
export async function allCheckpoints(services: Deps): Promise<string[]> {
  const seen = new Set<string>();
  for (let cursor: string | null = null; ; ) {
    const page = await services.metadata.listAuditCheckpoints(cursor, 500);
    for (const c of page.items) seen.add(c.jws);
    cursor = page.next;
    if (!cursor) break;
  }
  for await (const key of services.objects.list(CHECKPOINT_PREFIX)) {
    const body = await services.objects.read(key);
    if (!body) continue;
    const decoder = new TextDecoder();
    let text = '';
    for await (const chunk of body) text += decoder.decode(chunk, { stream: true });
    seen.add((text + decoder.decode()).trim());
  }
  return [...seen];
}

/**
 * The database's checkpoints in sequence order, handed out as an export reaches them: each call
 * gives those with a sequence number up to `seq` not given before (seq → JWS).
 */
export function checkpointsUpTo(services: Deps): (seq: number) => Promise<Map<number, string>> {
  let buffered: AuditCheckpoint[] = [];
  let cursor: string | null = null;
  let exhausted = false;
  return async (seq) => {
    const out = new Map<number, string>();
    for (;;) {
      while (buffered.length && (buffered[0]?.seq ?? 0) <= seq) {
        const c = buffered.shift() as AuditCheckpoint;
        out.set(c.seq, c.jws);
      }
      if (buffered.length || exhausted) return out;
      const page = await services.metadata.listAuditCheckpoints(cursor, 500);
      buffered = page.items;
      cursor = page.next;
      if (!cursor) exhausted = true;
    }
  };
}
