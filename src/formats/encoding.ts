import { GatewayError } from '../core/errors';

/** Character encodings the gateway reads and writes. */
export type Charset = 'utf-8' | 'iso-8859-1' | 'windows-1252';

export function normaliseCharset(label: string): Charset | null {
  const l = label.trim().toLowerCase();
  if (l === 'utf-8' || l === 'utf8') return 'utf-8';
  if (l === 'iso-8859-1' || l === 'iso8859-1' || l === 'latin1' || l === 'latin-1' || l === 'l1')
    return 'iso-8859-1';
  if (l === 'windows-1252' || l === 'cp1252') return 'windows-1252';
  return null;
}

/** A streaming byte-to-text decoder that fails on bytes invalid in its charset. */
export interface TextChunkDecoder {
  decode(chunk: Uint8Array): string;
  /**
   * The chunk's text up to its first invalid bytes, and whether there were any: a reader reads
   * that text first, so that a fault before the bad bytes is named first, whatever the chunks.
   */
  decodeUpToInvalid(chunk: Uint8Array): { text: string; invalid: boolean };
  end(): string;
}

/** The error for bytes invalid in a charset, at a line (and column) where the reader knows it. */
export function invalidBytes(charset: Charset, at?: { line: number; column?: number }): GatewayError {
  const where = at ? `line ${at.line}${at.column === undefined ? '' : `, column ${at.column}`}: ` : '';
  return new GatewayError('not_well_formed', `${where}the delivery has bytes that are not valid ${charset}`, {
    ...(at ? { line: at.line, ...(at.column === undefined ? {} : { column: at.column }) } : {}),
  });
}

/** How many bytes at the end of `bytes` begin a UTF-8 character they do not finish. */
function unfinishedTail(bytes: Uint8Array): number {
  for (let k = 1; k <= Math.min(3, bytes.length); k++) {
    const c = bytes[bytes.length - k] as number;
    if ((c & 0xc0) === 0x80) continue;
    const need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
    return need > k ? k : 0;
  }
  return 0;
}

export function createDecoder(charset: Charset): TextChunkDecoder {
  if (charset === 'iso-8859-1') {
    // Every byte is a character of the same code point; WHATWG's "latin1" label would mean windows-1252.
    const decode = (chunk: Uint8Array) => {
      let s = '';
      for (let i = 0; i < chunk.length; i += 8192) s += String.fromCharCode(...chunk.subarray(i, i + 8192));
      return s;
    };
    return { decode, decodeUpToInvalid: (chunk) => ({ text: decode(chunk), invalid: false }), end: () => '' };
  }
  const decoder = new TextDecoder(charset, { fatal: true, ignoreBOM: false });
  // The bytes of a character the last chunk began and did not finish (UTF-8).
  let carry: Uint8Array = new Uint8Array();
  let first = true;
  const decodeUpToInvalid = (chunk: Uint8Array) => {
    try {
      const text = decoder.decode(chunk, { stream: true });
      if (charset === 'utf-8') {
        // A chunk of four bytes or more finishes any character the carry began: its own last
        // bytes tell what it leaves unfinished, without joining it to the carry.
        const all = carry.length && chunk.length < 4 ? Buffer.concat([carry, chunk]) : chunk;
        carry = all.subarray(all.length - unfinishedTail(all));
      }
      first = false;
      return { text, invalid: false };
    } catch {
      if (charset !== 'utf-8') return { text: '', invalid: true };
      const all = carry.length ? Buffer.concat([carry, chunk]) : chunk;
      const valid = all.subarray(0, validUtf8Prefix(all));
      return {
        text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: !first }).decode(valid),
        invalid: true,
      };
    }
  };
  return {
    decode(chunk) {
      const r = decodeUpToInvalid(chunk);
      if (r.invalid) throw invalidBytes(charset);
      return r.text;
    },
    decodeUpToInvalid,
    end() {
      try {
        return decoder.decode();
      } catch {
        throw invalidBytes(charset);
      }
    },
  };
}

/**
 * The length of the longest prefix of `bytes` that is well-formed UTF-8 (RFC 3629: no
 * overlong forms, no surrogates, nothing past U+10FFFF), as a fatal TextDecoder reads it.
 */
function validUtf8Prefix(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const c = bytes[i] as number;
    if (c < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    if (c >= 0xc2 && c <= 0xdf) {
      need = 1;
      min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      min = 0x10000;
    } else return i;
    if (i + need >= bytes.length) return i;
    let code = c & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const d = bytes[i + k] as number;
      if ((d & 0xc0) !== 0x80) return i;
      code = (code << 6) | (d & 0x3f);
    }
    if (code < min || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return i;
    i += need + 1;
  }
  return i;
}
