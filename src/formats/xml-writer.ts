import type { OutRow } from '../core/projection';
import { escapeXml } from '../core/xml-text';
import type { RowWriter } from './row-writer';

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
