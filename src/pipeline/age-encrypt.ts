/**
 * age (https://age-encryption.org/v1) encryption to X25519 recipients, streamed: the header
 * with one stanza per recipient and its MAC, then the payload in 64 KiB ChaCha20-Poly1305
 * chunks (STREAM), so memory stays at one chunk whatever the size. The gateway holds only the
 * recipients' public keys; the `age` tool decrypts with the recipient's identity.
 */
import {
  createCipheriv,
  createHmac,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  randomBytes,
} from 'node:crypto';
import { ageRecipientKey } from '../core/age-recipient';
import type { ObjectSink } from '../stores/object-store';

const CHUNK = 64 * 1024;

/** The media type of an age-encrypted extract (what it holds is in its metadata, `encryption.contentType`). */
export const AGE_CONTENT_TYPE = 'application/octet-stream';
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64').replace(/=+$/, '');
const hkdf = (ikm: Uint8Array, salt: Uint8Array, info: string) =>
  Buffer.from(hkdfSync('sha256', ikm, salt, info, 32));

function seal(key: Uint8Array, nonce: Uint8Array, plain: Uint8Array): Buffer {
  const c = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
  return Buffer.concat([c.update(plain), c.final(), c.getAuthTag()]);
}

const x25519Public = (raw: Uint8Array) =>
  createPublicKey({
    key: { kty: 'OKP', crv: 'X25519', x: Buffer.from(raw).toString('base64url') },
    format: 'jwk',
  });

/** One X25519 stanza: the file key wrapped to a recipient under a fresh ephemeral key. */
function stanza(recipient: string, fileKey: Uint8Array): string {
  const theirs = ageRecipientKey(recipient);
  const ephemeral = generateKeyPairSync('x25519');
  const share = Buffer.from(ephemeral.publicKey.export({ format: 'jwk' }).x as string, 'base64url');
  const shared = diffieHellman({ privateKey: ephemeral.privateKey, publicKey: x25519Public(theirs) });
  if (shared.every((b) => b === 0)) throw new Error('the age recipient is a low-order point');
  const wrapKey = hkdf(shared, Buffer.concat([share, theirs]), 'age-encryption.org/v1/X25519');
  const body = b64(seal(wrapKey, new Uint8Array(12), fileKey));
  // The body is wrapped at 64 columns; a last line of exactly 64 is followed by an empty one.
  const lines = body.match(/.{1,64}/g) ?? [''];
  if ((lines.at(-1) as string).length === 64) lines.push('');
  return `-> X25519 ${b64(share)}\n${lines.join('\n')}\n`;
}

/** The header (with its MAC) and the payload key for a new file key. */
function begin(recipients: readonly string[]): { header: Buffer; payloadKey: Buffer } {
  const fileKey = randomBytes(16);
  const head = `age-encryption.org/v1\n${recipients.map((r) => stanza(r, fileKey)).join('')}---`;
  const mac = createHmac('sha256', hkdf(fileKey, new Uint8Array(0), 'header'))
    .update(head)
    .digest();
  const nonce = randomBytes(16);
  return {
    header: Buffer.concat([Buffer.from(`${head} ${b64(mac)}\n`), nonce]),
    payloadKey: hkdf(fileKey, nonce, 'payload'),
  };
}

/**
 * A sink that encrypts what is written to it for the recipients and writes the ciphertext to
 * `inner`. A full chunk is held until more follows, since the last chunk is marked as last.
 */
export function ageSink(inner: ObjectSink, recipients: readonly string[]): ObjectSink {
  const { header, payloadKey } = begin(recipients);
  let started = false;
  let counter = 0n;
  let held = Buffer.alloc(0);
  const nonceOf = (last: boolean) => {
    const n = Buffer.alloc(12);
    n.writeBigUInt64BE(counter >> 24n, 0);
    n.writeUIntBE(Number(counter & 0xffffffn), 8, 3);
    n[11] = last ? 1 : 0;
    return n;
  };
  const emit = async (plain: Uint8Array, last: boolean) => {
    const out = seal(payloadKey, nonceOf(last), plain);
    counter++;
    await inner.write(new Uint8Array(out.buffer, out.byteOffset, out.byteLength));
  };
  const start = async () => {
    if (started) return;
    started = true;
    await inner.write(new Uint8Array(header.buffer, header.byteOffset, header.byteLength));
  };
  return {
    async write(chunk) {
      await start();
      held = held.length ? Buffer.concat([held, chunk]) : Buffer.from(chunk);
      // Keep at least one byte back: the chunk that ends the file is sealed as the last one.
      while (held.length > CHUNK) {
        await emit(held.subarray(0, CHUNK), false);
        held = held.subarray(CHUNK);
      }
    },
    async close() {
      await start();
      await emit(held, true);
      held = Buffer.alloc(0);
      await inner.close();
    },
    abort: () => inner.abort(),
  };
}
