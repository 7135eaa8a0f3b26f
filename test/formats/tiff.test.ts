import * as UTIF from 'utif2';
import { describe, expect, it } from 'vitest';
import { type BilevelPage, encodeBilevelTiff, packBits } from '../../src/formats/tiff';

/** PackBits as TIFF 6.0 section 9 decodes it. */
function unpackBits(src: Uint8Array, length: number): Uint8Array {
  const out: number[] = [];
  let i = 0;
  while (out.length < length) {
    const n = ((src[i++] as number) << 24) >> 24;
    if (n >= 0) for (let k = 0; k <= n; k++) out.push(src[i++] as number);
    else if (n !== -128) {
      const b = src[i++] as number;
      for (let k = 0; k < 1 - n; k++) out.push(b);
    }
  }
  return Uint8Array.from(out);
}

function page(width: number, height: number, black: (x: number, y: number) => boolean): BilevelPage {
  const rowBytes = Math.ceil(width / 8);
  const data = new Uint8Array(rowBytes * height);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) if (black(x, y)) data[y * rowBytes + (x >> 3)]! |= 0x80 >> (x & 7);
  return { width, height, data };
}

describe('PackBits', () => {
  it('round-trips runs, literals and both at their 128-byte limits', () => {
    const cases = [
      new Uint8Array(0),
      Uint8Array.from([7]),
      Uint8Array.from([1, 2, 3, 3, 3, 4]),
      new Uint8Array(300).fill(0xff),
      Uint8Array.from({ length: 300 }, (_, i) => (i * 37) % 251),
      Uint8Array.from({ length: 257 }, (_, i) => (i % 5 === 0 ? 0 : i)),
    ];
    for (const row of cases) expect(unpackBits(packBits(row), row.length)).toEqual(row);
  });

  it('makes a white row small', () => {
    expect(packBits(new Uint8Array(207)).length).toBeLessThan(6);
  });
});

describe('bilevel TIFF', () => {
  const pages = [page(101, 40, (x, y) => x === y || x === 100 - y), page(64, 10, (x) => x % 3 === 0)];
  const tiff = encodeBilevelTiff(pages, 200);

  it('is classic little-endian TIFF with one IFD per page', () => {
    expect([...tiff.subarray(0, 4)]).toEqual([0x49, 0x49, 0x2a, 0x00]);
    const ifds = UTIF.decode(tiff.buffer as ArrayBuffer);
    expect(ifds).toHaveLength(2);
  });

  it('says what the State Archives check: PackBits, equal X and Y resolution in inches, no private tags', () => {
    for (const ifd of UTIF.decode(tiff.buffer as ArrayBuffer)) {
      expect(ifd.t259).toEqual([32773]);
      expect(ifd.t258).toEqual([1]);
      expect(ifd.t282).toEqual(ifd.t283);
      expect(ifd.t282).toEqual([[200, 1]]);
      expect(ifd.t296).toEqual([2]);
      expect(ifd.t266).toBeUndefined(); // FillOrder left at its default
      const tags = Object.keys(ifd)
        .filter((k) => /^t\d+$/.test(k))
        .map((k) => Number(k.slice(1)));
      expect(Math.max(...tags)).toBeLessThanOrEqual(33432);
    }
  });

  it('decodes to the same pixels', () => {
    const ifds = UTIF.decode(tiff.buffer as ArrayBuffer);
    ifds.forEach((ifd, n) => {
      UTIF.decodeImage(tiff.buffer as ArrayBuffer, ifd);
      const rgba = UTIF.toRGBA8(ifd);
      const p = pages[n] as BilevelPage;
      expect(ifd.width).toBe(p.width);
      expect(ifd.height).toBe(p.height);
      const rowBytes = Math.ceil(p.width / 8);
      for (let y = 0; y < p.height; y++)
        for (let x = 0; x < p.width; x++) {
          const black = ((p.data[y * rowBytes + (x >> 3)] as number) & (0x80 >> (x & 7))) !== 0;
          expect(rgba[(y * p.width + x) * 4], `page ${n} pixel ${x},${y}`).toBe(black ? 0 : 255);
        }
    });
  });
});
