import iconv from 'iconv-lite';
import { GatewayError } from '../core/errors';
import type { Charset } from './encoding';

const utf8 = new TextEncoder();

/** Encodes writer text in the extract's charset; a character the charset lacks is an error, never a silent '?'. */
export function createTextEncoder(charset: Charset): (s: string) => Uint8Array {
  if (charset === 'utf-8') return (s) => utf8.encode(s);
  if (charset === 'iso-8859-1') {
    return (s) => {
      const out = new Uint8Array(s.length);
      for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i);
        if (c > 0xff) throw unrepresentable(charset, c);
        out[i] = c;
      }
      return out;
    };
  }
  return (s) => {
    const bytes = iconv.encode(s, 'windows-1252');
    // iconv-lite writes '?' for characters windows-1252 lacks: find a '?' that was not one.
    if (bytes.includes(0x3f)) {
      for (let i = 0; i < s.length; i++) {
        if (bytes[i] === 0x3f && s[i] !== '?') throw unrepresentable(charset, s.charCodeAt(i));
      }
    }
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  };
}

function unrepresentable(charset: Charset, code: number): GatewayError {
  return new GatewayError(
    'unprocessable',
    `the character U+${code.toString(16).toUpperCase().padStart(4, '0')} cannot be written in ${charset}`,
  );
}
