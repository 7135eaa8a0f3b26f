import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ageRecipientKey, isAgeRecipient } from '../../src/core/age-recipient';
import { ageSink } from '../../src/pipeline/age-encrypt';
import type { ObjectSink } from '../../src/stores/object-store';

const AGE = spawnSync('age', ['--version']).status === 0;
if (!AGE)
  console.warn(
    'age is not installed: the encryption is not checked against the age tool (apt-get install age)',
  );

const dir = mkdtempSync(join(tmpdir(), 'gateway-age-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A new identity with the age tool: its file and its recipient. */
function identity(name: string): { file: string; recipient: string } {
  const file = join(dir, `${name}.key`);
  execFileSync('age-keygen', ['-o', file], { stdio: 'ignore' });
  const recipient = /public key: (age1\w+)/.exec(readFileSync(file, 'utf8'))?.[1] as string;
  return { file, recipient };
}

/** Encrypts bytes through the sink, written in pieces of the given size. */
async function encrypt(plain: Uint8Array, recipients: string[], piece: number): Promise<Buffer> {
  const out: Uint8Array[] = [];
  const inner: ObjectSink = {
    write: async (c) => {
      out.push(Uint8Array.from(c));
    },
    close: async () => {},
    abort: async () => {},
  };
  const sink = ageSink(inner, recipients);
  for (let i = 0; i < plain.length; i += piece) await sink.write(plain.subarray(i, i + piece));
  await sink.close();
  return Buffer.concat(out);
}

describe('age encryption, streamed', () => {
  it('reads age recipients and refuses what is not one', () => {
    const { recipient } = AGE
      ? identity('check')
      : { recipient: 'age1nzh3klf3r9umxk8vz5ga8qgnvr673qfh7ptaufqurftkz7d3xess6v9rge' };
    expect(ageRecipientKey(recipient)).toHaveLength(32);
    for (const bad of [
      'age1nzh3klf3r9umxk8vz5ga8qgnvr673qfh7ptaufqurftkz7d3xess6v9rgf',
      'AGE1NZH3KLF3R9UMXK8VZ5GA8QGNVR673QFH7PTAUFQURFTKZ7D3XESS6V9RGE',
      'age1qqqq',
      'npub1nzh3klf3r9umxk8vz5ga8qgnvr673qfh7ptaufqurftkz7d3xess6v9rge',
      'ssh-ed25519 AAAA',
      '',
    ])
      expect(isAgeRecipient(bad), bad).toBe(false);
  });

  it.skipIf(!AGE)('decrypts with the age tool to the same bytes, for every size around a chunk', async () => {
    const a = identity('a');
    const b = identity('b');
    for (const size of [0, 1, 65_535, 65_536, 65_537, 131_072, 200_003]) {
      const plain = randomBytes(size);
      const cipher = await encrypt(plain, [a.recipient, b.recipient], 7_001);
      const file = join(dir, `x-${size}.age`);
      writeFileSync(file, cipher);
      for (const who of [a, b]) {
        const back = execFileSync('age', ['-d', '-i', who.file, file], { maxBuffer: 1 << 26 });
        expect(Buffer.compare(back, plain), `${size} bytes`).toBe(0);
      }
    }
    // Another identity cannot read it, and a changed byte is refused.
    const other = identity('other');
    const file = join(dir, 'x-200003.age');
    expect(spawnSync('age', ['-d', '-i', other.file, file]).status).not.toBe(0);
    const cipher = readFileSync(file);
    cipher.writeUInt8(cipher.readUInt8(cipher.length - 100) ^ 1, cipher.length - 100);
    writeFileSync(file, cipher);
    expect(spawnSync('age', ['-d', '-i', a.file, file]).status).not.toBe(0);
  });
});
