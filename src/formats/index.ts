import type { Output } from '../core/output';
import { createCsvWriter } from './csv-writer';
import { createJsonWriter, createNdjsonWriter } from './json-writer';
import type { RowWriter } from './row-writer';
import { createXmlWriter } from './xml-writer';

export type { RowWriter } from './row-writer';

/** The writer a profile's output section asks for. */
export function createRowWriter(
  output: Output,
  columns: readonly string[],
  rootAttributes?: Record<string, string>,
): RowWriter {
  switch (output.format) {
    case 'xml':
      return createXmlWriter(
        { root: output.root, record: output.record, namespace: output.namespace, rootAttributes },
        columns,
      );
    case 'csv':
      return createCsvWriter(output, columns);
    case 'ndjson':
      return createNdjsonWriter(columns);
    case 'json':
      return createJsonWriter(columns);
    case 'archival-version':
      // A package of several files, not rows in one: the archival-version builder writes it.
      throw new Error('an archival version is written by its own builder');
  }
}
