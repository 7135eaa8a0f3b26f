import type { OutRow } from '../core/mapper';
import type { RowWriter } from './row-writer';

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};
const NEEDS_ESCAPE = /[&<>"']/;
const ESCAPE_ALL = /[&<>"']/g;
// Characters XML 1.0 cannot carry at all.
// Lone surrogate halves too: they are no characters at all.
const INVALID_XML =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

const HAS_INVALID_XML = new RegExp(INVALID_XML.source);

export function escapeXml(s: string): string {
  const clean = HAS_INVALID_XML.test(s) ? s.replace(INVALID_XML, '') : s;
  return NEEDS_ESCAPE.test(clean) ? clean.replace(ESCAPE_ALL, (c) => ESCAPES[c] as string) : clean;
}

export interface XmlWriterOptions {
  root: string;
  record: string;
  namespace?: string;
  /** Attributes on the root element, e.g. the delivery's municipality and period. */
  rootAttributes?: Record<string, string>;
}

/** Record-level XML: one element per row, one child element per non-null column. */
export function createXmlWriter(opts: XmlWriterOptions, columns: readonly string[]): RowWriter {
  const open = columns.map((c) => `<${c}>`);
  const close = columns.map((c) => `</${c}>`);
  const recOpen = `<${opts.record}>`;
  const recClose = `</${opts.record}>\n`;
  return {
    charset: 'utf-8',
    contentType: 'application/xml; charset=utf-8',
    extension: 'xml',
    start() {
      const attrs = [
        opts.namespace ? ` xmlns="${escapeXml(opts.namespace)}"` : '',
        ...Object.entries(opts.rootAttributes ?? {}).map(([k, v]) => ` ${k}="${escapeXml(v)}"`),
      ].join('');
      return `<?xml version="1.0" encoding="UTF-8"?>\n<${opts.root}${attrs}>\n`;
    },
    rows(rows: readonly OutRow[]) {
      let s = '';
      for (const row of rows) {
        s += recOpen;
        for (let i = 0; i < row.length; i++) {
          const v = row[i];
          if (v === null || v === undefined) continue;
          s += open[i] + (typeof v === 'string' ? escapeXml(v) : String(v)) + close[i];
        }
        s += recClose;
      }
      return s;
    },
    end() {
      return `</${opts.root}>\n`;
    },
  };
}
