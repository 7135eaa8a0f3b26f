import { GatewayError } from '../core/errors';
import { type CompiledDataset, DEFAULT_TEXT_LIMIT } from '../core/validator';
import { nameAsShown } from '../core/value-shape';
import { type CsvReaderOptions, createCsvReader } from './csv-reader';
import { type Charset, normaliseCharset } from './encoding';
import { createNdjsonReader } from './ndjson-reader';
import { coalesced, type RecordReader } from './record-reader';
import { createXmlReader, type XmlReaderOptions } from './xml-reader';

export type { RecordReader } from './record-reader';
export type InputFormat = 'xml' | 'csv' | 'ndjson';

export interface InputType {
  format: InputFormat;
  /** The charset the Content-Type declares; XML's own declaration decides for XML. */
  charset: Charset;
}

export const ACCEPTED_TYPES = ['application/xml', 'text/csv', 'application/x-ndjson'];

/**
 * The input format a Content-Type names, or null when the gateway does not read it.
 * A charset the gateway cannot read is refused here, before a byte is read.
 */
export function readerFor(contentType: string): InputType | null {
  const [mimePart, ...params] = contentType.split(';');
  const mime = mimePart?.trim().toLowerCase();
  const charsetParams = params.map((p) => p.trim()).filter((p) => p.toLowerCase().startsWith('charset='));
  if (charsetParams.length > 1)
    throw new GatewayError('unsupported_media_type', 'the Content-Type names a charset more than once');
  const charsetParam = charsetParams[0]?.slice(8).replace(/^"|"$/g, '');
  let charset: Charset = 'utf-8';
  if (charsetParam) {
    const c = normaliseCharset(charsetParam);
    if (!c)
      throw new GatewayError(
        'unsupported_media_type',
        `charset ${nameAsShown(charsetParam)} is not supported (UTF-8, ISO-8859-1, Windows-1252)`,
      );
    charset = c;
  }
  if (mime === 'application/xml' || mime === 'text/xml') return { format: 'xml', charset };
  if (mime === 'text/csv') return { format: 'csv', charset };
  if (mime === 'application/x-ndjson' || mime === 'application/ndjson') {
    if (charset !== 'utf-8') throw new GatewayError('unsupported_media_type', 'NDJSON is always UTF-8');
    return { format: 'ndjson', charset };
  }
  return null;
}

/** The content type a delivery is recorded with: the gateway's own words, never the header as sent. */
export function recordedContentType(type: InputType): string {
  switch (type.format) {
    case 'xml':
      return 'application/xml';
    case 'csv':
      return `text/csv; charset=${type.charset}`;
    case 'ndjson':
      return 'application/x-ndjson';
  }
}

/** One character past the longest limit of a dataset's fields: enough for the validator to see that a value is too long. */
function maxFieldCharsOf(compiled: CompiledDataset): number {
  return Math.max(DEFAULT_TEXT_LIMIT, ...compiled.dataset.fields.map((f) => f.maxLength ?? 0)) + 1;
}

/** What the XML reader (and saxes, where it hands over) is told of a dataset. */
export function xmlReaderOptions(compiled: CompiledDataset): XmlReaderOptions {
  const { dataset } = compiled;
  return {
    namespace: dataset.xml.namespace,
    root: dataset.xml.root,
    record: dataset.xml.record,
    elementToField: compiled.elementToField,
    maxFieldChars: maxFieldCharsOf(compiled),
    trim: dataset.whitespace === 'trim',
  };
}

/** What the CSV reader (and csv-parse, where it hands over) is told of a dataset. */
export function csvReaderOptions(compiled: CompiledDataset, charset: Charset): CsvReaderOptions {
  const { dataset } = compiled;
  return {
    charset,
    fields: compiled.fieldIds,
    required: dataset.fields.filter((f) => f.required).map((f) => f.id),
    maxFieldChars: maxFieldCharsOf(compiled),
    trim: dataset.whitespace === 'trim',
  };
}

/** The reader of a format for a dataset, given its bytes in pieces of at least 64 KiB (`coalesced`). */
export function createReader(type: InputType, compiled: CompiledDataset): RecordReader {
  return coalesced(formatReader(type, compiled));
}

function formatReader(type: InputType, compiled: CompiledDataset): RecordReader {
  const { dataset } = compiled;
  const maxFieldChars = maxFieldCharsOf(compiled);
  const trim = dataset.whitespace === 'trim';
  switch (type.format) {
    case 'xml':
      return createXmlReader(xmlReaderOptions(compiled));
    case 'csv':
      return createCsvReader(csvReaderOptions(compiled, type.charset));
    case 'ndjson':
      return createNdjsonReader({
        fields: compiled.fieldIds,
        maxLineChars: maxFieldChars * (dataset.fields.length + 4),
        trim,
      });
  }
}
