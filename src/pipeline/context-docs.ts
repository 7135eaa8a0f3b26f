import { createRequire } from 'node:module';
import * as PImage from 'pureimage';
import type { DocumentText } from '../core/archival-version';
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
    const regular = PImage.registerFont(
      require.resolve('dejavu-fonts-ttf/ttf/DejaVuSansMono.ttf'),
      'GatewayMono',
    );
    const bold = PImage.registerFont(
      require.resolve('dejavu-fonts-ttf/ttf/DejaVuSansMono-Bold.ttf'),
      'GatewayMonoBold',
    );
    await Promise.all([regular.load(), bold.load()]);
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

/** Renders a document to a multi-page bilevel TIFF, a page number at the foot of each page. */
export async function renderDocumentTiff(doc: DocumentText): Promise<Uint8Array> {
  await loadFont();
  const laid = layout(doc);
  const pages: BilevelPage[] = laid.map((lines, n) => {
    const img = PImage.make(WIDTH, HEIGHT);
    const ctx = img.getContext('2d');
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, WIDTH, HEIGHT);
    ctx.fillStyle = '#000000';
    for (const l of lines) {
      ctx.font = `${SIZE}px ${l.heading ? 'GatewayMonoBold' : 'GatewayMono'}`;
      ctx.fillText(l.text, MARGIN, l.y);
    }
    ctx.font = `${SIZE}px GatewayMono`;
    ctx.fillText(`Side ${n + 1} af ${laid.length}`, MARGIN, HEIGHT - MARGIN / 2);
    return toBilevel(img.data, WIDTH, HEIGHT);
  });
  return encodeBilevelTiff(pages, DPI);
}

/** RGBA to one bit a pixel: dark is black. */
function toBilevel(rgba: Uint8ClampedArray | Uint8Array, width: number, height: number): BilevelPage {
  const rowBytes = Math.ceil(width / 8);
  const data = new Uint8Array(rowBytes * height);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      if ((rgba[i] as number) < 128)
        data[y * rowBytes + (x >> 3)] = (data[y * rowBytes + (x >> 3)] as number) | (0x80 >> (x & 7));
    }
  return { width, height, data };
}
