/**
 * HMAC-SHA256 for short ASCII values under one key, as lower-case hex, without a native call
 * or an object per value: the key's inner and outer padded blocks are compressed once, so a
 * value of up to 55 bytes costs two SHA-256 compressions. Longer or non-ASCII values go to
 * the `fallback` (node:crypto's HMAC); both give the same result, as RFC 2104 defines it.
 */

const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
  0xc67178f2,
]);
const IV = new Int32Array([
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
]);

/** One SHA-256 compression of the 16 words in w[0..15] into state (w is overwritten). */
function compress(state: Int32Array, w: Int32Array): void {
  for (let i = 16; i < 64; i++) {
    const x = w[i - 15] as number;
    const y = w[i - 2] as number;
    const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
    const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
    w[i] = ((w[i - 16] as number) + s0 + (w[i - 7] as number) + s1) | 0;
  }
  let a = state[0] as number;
  let b = state[1] as number;
  let c = state[2] as number;
  let d = state[3] as number;
  let e = state[4] as number;
  let f = state[5] as number;
  let g = state[6] as number;
  let h = state[7] as number;
  for (let i = 0; i < 64; i++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (h + S1 + ((e & f) ^ (~e & g)) + (K[i] as number) + (w[i] as number)) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  state[0] = ((state[0] as number) + a) | 0;
  state[1] = ((state[1] as number) + b) | 0;
  state[2] = ((state[2] as number) + c) | 0;
  state[3] = ((state[3] as number) + d) | 0;
  state[4] = ((state[4] as number) + e) | 0;
  state[5] = ((state[5] as number) + f) | 0;
  state[6] = ((state[6] as number) + g) | 0;
  state[7] = ((state[7] as number) + h) | 0;
}

/** The state after compressing the key, padded to a block, XOR-ed with `pad`. */
function keyedState(key: Uint8Array, pad: number): Int32Array {
  const state = IV.slice();
  const w = new Int32Array(64);
  for (let i = 0; i < 16; i++) {
    let word = 0;
    for (let j = 0; j < 4; j++) word = (word << 8) | (((key[i * 4 + j] ?? 0) ^ pad) & 0xff);
    w[i] = word;
  }
  compress(state, w);
  return state;
}

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/**
 * `(value) => hex` computing HMAC-SHA256 under `key`. `key` is at most 64 bytes (a longer
 * key is hashed first by HMAC's definition: such keys go wholly to `fallback`).
 */
export function hmacSha256HexOf(
  key: Uint8Array,
  fallback: (value: string) => string,
): (value: string) => string {
  if (key.length > 64) return fallback;
  const inner = keyedState(key, 0x36);
  const outer = keyedState(key, 0x5c);
  const state = new Int32Array(8);
  const w = new Int32Array(64);
  return (value) => {
    const len = value.length;
    if (len > 55) return fallback(value);
    w.fill(0, 0, 16);
    for (let i = 0; i < len; i++) {
      const c = value.charCodeAt(i);
      if (c > 0x7f) return fallback(value);
      w[i >> 2] = (w[i >> 2] as number) | (c << (24 - 8 * (i & 3)));
    }
    w[len >> 2] = (w[len >> 2] as number) | (0x80 << (24 - 8 * (len & 3)));
    w[15] = (64 + len) * 8;
    state.set(inner);
    compress(state, w);
    // The outer hash: the key's outer block, then the 32-byte inner digest, padded.
    for (let i = 0; i < 8; i++) w[i] = state[i] as number;
    w[8] = 0x80000000;
    w.fill(0, 9, 15);
    w[15] = (64 + 32) * 8;
    state.set(outer);
    compress(state, w);
    let hex = '';
    for (let i = 0; i < 8; i++) {
      const s = state[i] as number;
      hex +=
        (HEX[(s >>> 24) & 0xff] as string) +
        (HEX[(s >>> 16) & 0xff] as string) +
        (HEX[(s >>> 8) & 0xff] as string) +
        (HEX[s & 0xff] as string);
    }
    return hex;
  };
}
