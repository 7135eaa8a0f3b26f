import { type CompiledDataset, DEFAULT_TEXT_LIMIT } from '../core/validator';
import { createXmlReader, type RecordReader } from './xml-reader';

export type { RecordReader } from './xml-reader';
export type InputFormat = 'xml';

/** The input format a Content-Type names, or null when the gateway does not read it. */
export function readerFor(contentType: string): InputFormat | null {
  const mime = contentType.split(';')[0]?.trim().toLowerCase();
  if (mime === 'application/xml' || mime === 'text/xml') return 'xml';
  return null;
}

export function createReader(_format: InputFormat, compiled: CompiledDataset): RecordReader {
  const { xml } = compiled.dataset;
  const lengths = compiled.dataset.fields.map((f) => f.maxLength ?? 0);
  return createXmlReader({
    namespace: xml.namespace,
    root: xml.root,
    record: xml.record,
    elementToField: compiled.elementToField,
    // One character past the longest limit: enough for the validator to see that a value is too long.
    maxFieldChars: Math.max(DEFAULT_TEXT_LIMIT, ...lengths) + 1,
  });
}
