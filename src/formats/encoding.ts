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
