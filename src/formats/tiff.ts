/**
 * Bilevel (black and white) TIFF 6.0 pages with PackBits compression: the form the State
 * Archives accept for context documentation (classic little-endian TIFF; PackBits is one of
 * the compressions they allow; X and Y resolution equal; no private tags).
 */

/** One page: `width × height` pixels, rows packed 8 pixels to a byte, first pixel in the high bit, 1 = black. */
export interface BilevelPage {
  width: number;
  height: number;
  /** ceil(width / 8) bytes per row. */
  data: Uint8Array;
}

/** PackBits (TIFF 6.0, section 9) of one row: runs of a repeated byte, and literal stretches. */
export function packBits(row: Uint8Array): Uint8Array {
  const out: number[] = [];
  let i = 0;
  while (i < row.length) {
    let run = 1;
    while (i + run < row.length && run < 128 && row[i + run] === row[i]) run++;
    if (run >= 2) {
      out.push(257 - run, row[i] as number);
      i += run;
      continue;
    }
    // A literal stretch: up to 128 bytes, until two equal bytes begin a run.
    const start = i;
    while (i < row.length && i - start < 128) {
      if (i + 1 < row.length && row[i] === row[i + 1]) break;
      i++;
    }
    out.push(i - start - 1);
    for (let k = start; k < i; k++) out.push(row[k] as number);
  }
  return Uint8Array.from(out);
}

const SHORT = 3;
const LONG = 4;
const RATIONAL = 5;

/** A multi-page TIFF of bilevel pages at `dpi` dots per inch. */
export function encodeBilevelTiff(pages: readonly BilevelPage[], dpi: number): Uint8Array {
  if (pages.length === 0) throw new Error('a TIFF needs at least one page');
  const chunks: Uint8Array[] = [];
  let offset = 8;
  const header = new Uint8Array(8);
  chunks.push(header);
  const push = (b: Uint8Array) => {
    chunks.push(b);
    offset += b.length;
    if (offset % 2) {
      chunks.push(new Uint8Array(1));
      offset++;
    }
  };
  const ifdOffsets: number[] = [];
  const nextPatches: number[] = [];
  pages.forEach((page, index) => {
    const rowBytes = Math.ceil(page.width / 8);
    const strips: Uint8Array[] = [];
    let stripBytes = 0;
    for (let y = 0; y < page.height; y++) {
      const packed = packBits(page.data.subarray(y * rowBytes, (y + 1) * rowBytes));
      strips.push(packed);
      stripBytes += packed.length;
    }
    const strip = new Uint8Array(stripBytes);
    let p = 0;
    for (const s of strips) {
      strip.set(s, p);
      p += s.length;
    }
    const stripOffset = offset;
    push(strip);
    const resolution = new Uint8Array(16);
    const rv = new DataView(resolution.buffer);
    rv.setUint32(0, dpi, true);
    rv.setUint32(4, 1, true);
    rv.setUint32(8, dpi, true);
    rv.setUint32(12, 1, true);
    const resOffset = offset;
    push(resolution);
    const entries: Array<[tag: number, type: number, value: number | [number, number]]> = [
      [254, LONG, pages.length > 1 ? 2 : 0], // NewSubfileType: a page of a multi-page document
      [256, LONG, page.width],
      [257, LONG, page.height],
      [258, SHORT, 1], // BitsPerSample
      [259, SHORT, 32773], // Compression: PackBits
      [262, SHORT, 0], // PhotometricInterpretation: WhiteIsZero
      [273, LONG, stripOffset],
      [277, SHORT, 1], // SamplesPerPixel
      [278, LONG, page.height], // RowsPerStrip: one strip
      [279, LONG, stripBytes],
      [282, RATIONAL, resOffset],
      [283, RATIONAL, resOffset + 8],
      [296, SHORT, 2], // ResolutionUnit: inch
      [297, SHORT, [index, pages.length]], // PageNumber
    ];
    const ifd = new Uint8Array(2 + entries.length * 12 + 4);
    const v = new DataView(ifd.buffer);
    v.setUint16(0, entries.length, true);
    entries.forEach(([tag, type, value], k) => {
      const at = 2 + k * 12;
      v.setUint16(at, tag, true);
      v.setUint16(at + 2, type, true);
      v.setUint32(at + 4, Array.isArray(value) ? 2 : 1, true);
      if (Array.isArray(value)) {
        v.setUint16(at + 8, value[0], true);
        v.setUint16(at + 10, value[1], true);
      } else if (type === SHORT) v.setUint16(at + 8, value, true);
      else v.setUint32(at + 8, value, true);
    });
    ifdOffsets.push(offset);
    nextPatches.push(chunks.length);
    push(ifd);
  });
  // Link the pages: each IFD ends with the offset of the next one (0 after the last).
  nextPatches.forEach((chunkIndex, k) => {
    const ifd = chunks[chunkIndex] as Uint8Array;
    new DataView(ifd.buffer).setUint32(ifd.length - 4, ifdOffsets[k + 1] ?? 0, true);
  });
  const hv = new DataView(header.buffer);
  header[0] = 0x49; // "II": little-endian
  header[1] = 0x49;
  hv.setUint16(2, 42, true);
  hv.setUint32(4, ifdOffsets[0] as number, true);
  const out = new Uint8Array(offset);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
