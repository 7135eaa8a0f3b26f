import { createRequire } from 'node:module';
import * as PImage from 'pureimage';
import type { DocumentText } from '../core/archival-context';
import { type BilevelPage, encodeBilevelTiff } from '../formats/tiff';

/** A4 at 200 dpi, the resolution the pages are written at (the same across and down). */
export const DPI = 200;
const WIDTH = 1654;
const HEIGHT = 2339;
const MARGIN = 150;
const SIZE = 26;
const LINE = 36;
const HEADING = 34;
const CHAR_WIDTH = SIZE * 0.602; // DejaVu Sans Mono's advance
const PER_LINE = Math.floor((WIDTH - 2 * MARGIN) / CHAR_WIDTH);

let font: Promise<void> | null = null;
function loadFont(): Promise<void> {
  font ??= (async () => {
    const require = createRequire(import.meta.url);
    // One face: a heading is drawn twice, a pixel apart, rather than parse a bold font too.
    await PImage.registerFont(
      require.resolve('dejavu-fonts-ttf/ttf/DejaVuSansMono.ttf'),
      'GatewayMono',
    ).load();
  })();
  return font;
}

/** Words to lines of at most `width` characters; a word longer than that is cut. */
export function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (let word of text.split(/\s+/).filter(Boolean)) {
    while (word.length > width) {
      if (line) out.push(line);
      line = '';
      out.push(word.slice(0, width));
      word = word.slice(width);
    }
    if (!line) line = word;
    else if (line.length + 1 + word.length <= width) line += ` ${word}`;
    else {
      out.push(line);
      line = word;
    }
  }
  if (line) out.push(line);
  return out;
}

interface Laid {
  text: string;
  heading: boolean;
  y: number;
}

/** Lays the document's lines out on pages. */
function layout(doc: DocumentText): Laid[][] {
  const pages: Laid[][] = [[]];
  let y = MARGIN;
  const place = (text: string, heading: boolean, height: number) => {
    if (y + height > HEIGHT - MARGIN) {
      pages.push([]);
      y = MARGIN;
    }
    (pages[pages.length - 1] as Laid[]).push({ text, heading, y: y + SIZE });
    y += height;
  };
  place(doc.title, true, HEADING + LINE / 2);
  for (const raw of doc.lines) {
    const heading = raw.startsWith('# ');
    const text = heading ? raw.slice(2) : raw;
    if (heading) y += LINE / 2;
    for (const l of wrap(text, PER_LINE)) place(l, heading, heading ? HEADING : LINE);
    y += LINE / 3;
  }
  return pages;
}

/** Height of the strip one line is drawn in: the line's ascent above the baseline and its descent below. */
const STRIP = 48;
const BASELINE_IN_STRIP = 36;

/**
 * Renders a document to a multi-page bilevel TIFF, a page number at the foot of each page.
 * Each line is drawn into one small RGBA strip and copied into the page's 1-bit bitmap, so
 * memory is a strip and a page of bits (about 0.5 MB), not a page of RGBA (15 MB).
 */
export async function renderDocumentTiff(doc: DocumentText): Promise<Uint8Array> {
  await loadFont();
  const laid = layout(doc);
  const rowBytes = Math.ceil(WIDTH / 8);
  const strip = PImage.make(WIDTH, STRIP);
  const ctx = strip.getContext('2d');
  ctx.font = `${SIZE}px GatewayMono`;
  const draw = (page: Uint8Array, text: string, baseline: number, bold: boolean) => {
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, WIDTH, STRIP);
    ctx.fillStyle = '#000000';
    ctx.fillText(text, MARGIN, BASELINE_IN_STRIP);
    if (bold) ctx.fillText(text, MARGIN + 1, BASELINE_IN_STRIP);
    const top = baseline - BASELINE_IN_STRIP;
    for (let y = 0; y < STRIP; y++) {
      const py = top + y;
      if (py < 0 || py >= HEIGHT) continue;
      for (let x = 0; x < WIDTH; x++)
        if ((strip.data[(y * WIDTH + x) * 4] as number) < 128)
          page[py * rowBytes + (x >> 3)] = (page[py * rowBytes + (x >> 3)] as number) | (0x80 >> (x & 7));
    }
  };
  const pages: BilevelPage[] = laid.map((lines, n) => {
    const data = new Uint8Array(rowBytes * HEIGHT);
    for (const l of lines) draw(data, l.text, l.y, l.heading);
    draw(data, `Side ${n + 1} af ${laid.length}`, HEIGHT - MARGIN / 2, false);
    return { width: WIDTH, height: HEIGHT, data };
  });
  return encodeBilevelTiff(pages, DPI);
}
