import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { STANDARD_SCHEMAS } from '../core/archival-version';
import type { StandardSchemas } from '../pipeline/archival-package';
import { projectRoot } from './project-root';

/** The archival version's official schemas, from the gateway's own schemas folder (Node only). */
export function readStandardSchemas(): Promise<StandardSchemas> {
  return Promise.all(
    STANDARD_SCHEMAS.map(async (name) => ({
      name,
      bytes: await readFile(join(projectRoot(), 'schemas', 'archival-version', 'standard', name)),
    })),
  );
}
