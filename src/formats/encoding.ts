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
  end(): string;
}

export function createDecoder(charset: Charset): TextChunkDecoder {
  if (charset === 'iso-8859-1') {
    // Every byte is a character of the same code point; WHATWG's "latin1" label would mean windows-1252.
    return {
      decode(chunk) {
        let s = '';
        for (let i = 0; i < chunk.length; i += 8192) s += String.fromCharCode(...chunk.subarray(i, i + 8192));
        return s;
      },
      end: () => '',
    };
  }
  const decoder = new TextDecoder(charset, { fatal: true, ignoreBOM: false });
  const fail = () =>
    new GatewayError('not_well_formed', `the delivery has bytes that are not valid ${charset}`);
  return {
    decode(chunk) {
      try {
        return decoder.decode(chunk, { stream: true });
      } catch {
        throw fail();
      }
    },
    end() {
      try {
        return decoder.decode();
      } catch {
        throw fail();
      }
    },
  };
}

/**
 * The length of the longest prefix of `bytes` that is well-formed UTF-8 (RFC 3629: no
 * overlong forms, no surrogates, nothing past U+10FFFF), as a fatal TextDecoder reads it.
 */
export function validUtf8Prefix(bytes: Uint8Array): number {
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
