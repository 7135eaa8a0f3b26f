/**
 * An age X25519 recipient (`age1…`): Bech32 (BIP 173) with the human-readable part `age` and
 * 32 bytes of public key. Read here once, for the profile's schema and for the encryptor.
 */

const CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
const GENERATOR = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];

function polymod(values: number[]): number {
  let chk = 1;
  for (const v of values) {
    const top = chk >>> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ v;
    for (let i = 0; i < 5; i++) if ((top >>> i) & 1) chk ^= GENERATOR[i] as number;
  }
  return chk >>> 0;
}

const expand = (hrp: string) => [
  ...[...hrp].map((c) => c.charCodeAt(0) >> 5),
  0,
  ...[...hrp].map((c) => c.charCodeAt(0) & 31),
];

/** The 32-byte X25519 public key of an `age1…` recipient; throws with the reason when it is not one. */
export function ageRecipientKey(recipient: string): Uint8Array {
  const s = recipient.trim();
  if (s !== s.toLowerCase()) throw new Error('an age recipient is written in lower case');
  const sep = s.lastIndexOf('1');
  const hrp = s.slice(0, sep);
  if (hrp !== 'age') throw new Error('an age recipient begins age1');
  const data = [...s.slice(sep + 1)].map((c) => CHARSET.indexOf(c));
  if (data.length < 7 || data.some((d) => d < 0))
    throw new Error('an age recipient holds only Bech32 characters');
  if (polymod([...expand(hrp), ...data]) !== 1) throw new Error('the age recipient has a wrong checksum');
  // 5-bit groups to bytes.
  let acc = 0;
  let bits = 0;
  const out: number[] = [];
  for (const v of data.slice(0, -6)) {
    acc = (acc << 5) | v;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((acc >> bits) & 0xff);
    }
  }
  if (bits >= 5 || (acc << (8 - bits)) & 0xff) throw new Error('the age recipient has stray bits');
  if (out.length !== 32) throw new Error('an age X25519 recipient holds 32 bytes');
  return Uint8Array.from(out);
}

export const isAgeRecipient = (s: string): boolean => {
  try {
    ageRecipientKey(s);
    return true;
  } catch {
    return false;
  }
};
