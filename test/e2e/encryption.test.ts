import { execFileSync, spawnSync } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticDelivery } from '../../src/cli/synthetic';
import { type MemoryGateway, startMemoryGateway, submit } from '../support/harness';

const AGE = spawnSync('age', ['--version']).status === 0;
if (!AGE)
  console.warn('age is not installed: encrypted extracts are not decrypted here (apt-get install age)');

/**
 * Issue 15: end-to-end encryption per profile. A second FLIS recipient gets the same profile
 * encrypted to its age key: the gateway stores only ciphertext, and the age tool decrypts it
 * with the recipient's identity to exactly the plain extract of the first.
 */
describe.skipIf(!AGE)('an extract encrypted to its recipient with age', () => {
  let gw: MemoryGateway;
  let dir: string;
  let identity: string;
  let source: string;
  let plainToken: string;
  let sealedToken: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gateway-encryption-'));
    identity = join(dir, 'flis-sealed.key');
    execFileSync('age-keygen', ['-o', identity], { stdio: 'ignore' });
    const recipient = /public key: (age1\w+)/.exec(await readFile(identity, 'utf8'))?.[1] as string;
    const root = new URL('../..', import.meta.url).pathname;
    const deliveries = join(dir, 'deliveries');
    await cp(join(root, 'deliveries'), deliveries, { recursive: true });
    const recipients = JSON.parse(await readFile(join(deliveries, 'recipients.json'), 'utf8'));
    recipients.recipients.push({
      id: 'flis-sealed',
      name: 'FLIS (encrypted)',
      description: 'The same, end to end.',
    });
    await writeFile(join(deliveries, 'recipients.json'), JSON.stringify(recipients));
    const flis = JSON.parse(await readFile(join(deliveries, 'daycare', 'flis.json'), 'utf8'));
    await writeFile(
      join(deliveries, 'daycare', 'flis-sealed.json'),
      JSON.stringify({
        ...flis,
        id: 'daycare/flis-sealed',
        recipient: 'flis-sealed',
        encryption: { format: 'age', recipients: [recipient] },
      }),
    );
    gw = await startMemoryGateway({ GATEWAY_DELIVERIES_DIR: deliveries });
    source = (
      await gw.issueToken({ role: 'source', subject: 'sys', municipalities: ['101'], datasets: ['daycare'] })
    ).token;
    plainToken = (await gw.issueToken({ role: 'recipient', subject: 'flis', recipient: 'flis' })).token;
    sealedToken = (
      await gw.issueToken({ role: 'recipient', subject: 'flis-sealed', recipient: 'flis-sealed' })
    ).token;
  }, 60_000);
  afterAll(async () => {
    await gw?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('stores ciphertext only, which age decrypts to the plain rendering; a correction too', async () => {
    for (const seed of [1, 2]) {
      const body = [...syntheticDelivery({ dataset: 'daycare', records: 3000, format: 'xml', seed })].join(
        '',
      );
      const res = await submit(gw, source, body);
      expect(res.status).toBe(201);
      const d = (await res.json()) as { extracts: Array<{ id: string; recipient: string }> };
      const plainId = d.extracts.find((e) => e.recipient === 'flis')?.id as string;
      const sealedId = d.extracts.find((e) => e.recipient === 'flis-sealed')?.id as string;
      const plain = Buffer.from(
        await (await gw.request(`/v1/extracts/${plainId}/content`, { token: plainToken })).arrayBuffer(),
      );
      const got = await gw.request(`/v1/extracts/${sealedId}/content`, { token: sealedToken });
      expect(got.headers.get('content-type')).toBe('application/octet-stream');
      const sealed = Buffer.from(await got.arrayBuffer());
      expect(sealed.subarray(0, 22).toString()).toBe('age-encryption.org/v1\n');
      // Nothing of the plain extract is in the stored bytes: not a pseudonym, not a line.
      const firstLine = plain.toString().split('\n')[0] as string;
      const pseudonym = (JSON.parse(firstLine) as { personPseudonym: string }).personPseudonym;
      expect(sealed.includes(pseudonym)).toBe(false);
      expect(sealed.includes('institutionName')).toBe(false);
      const meta = (await (await gw.request(`/v1/extracts/${sealedId}`, { token: sealedToken })).json()) as {
        fileName: string;
        sha256: string;
        metadata: { encryption: { format: string; recipients: string[] } };
        receipt: string;
      };
      expect(meta.fileName).toBe(
        seed === 1 ? 'flis-dagtilbud-101-2026-10.ndjson.age' : 'flis-dagtilbud-101-2026-10-v2.ndjson.age',
      );
      expect(meta.metadata.encryption.format).toBe('age');
      // The sha256 (and the receipt) are of what is stored: the ciphertext.
      const { createHash } = await import('node:crypto');
      expect(createHash('sha256').update(sealed).digest('hex')).toBe(meta.sha256);
      const file = join(dir, meta.fileName);
      await writeFile(file, sealed);
      const back = execFileSync('age', ['-d', '-i', identity, file], { maxBuffer: 1 << 28 });
      expect(Buffer.compare(back, plain)).toBe(0);
    }
  });

  it('refuses a profile whose recipient is not an age key', async () => {
    const { ProfileSchema } = await import('../../src/core/profile');
    const flis = JSON.parse(
      await readFile(new URL('../../deliveries/daycare/flis.json', import.meta.url).pathname, 'utf8'),
    );
    const bad = ProfileSchema.safeParse({
      ...flis,
      encryption: { format: 'age', recipients: ['age1notakey'] },
    });
    expect(bad.success).toBe(false);
    const gpg = ProfileSchema.safeParse({ ...flis, encryption: { format: 'gpg', recipients: [] } });
    expect(gpg.success).toBe(false);
  });
});
