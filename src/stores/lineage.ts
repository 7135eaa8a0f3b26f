import { versionedFileName } from '../core/file-name';
import type { NewExtract } from './records';

/** A recipient's current extract of a slot, as a correction finds it. */
export interface Replaced {
  id: string;
  version: number;
}

/**
 * Where a new extract stands in its recipient's lineage, for every store: the extract it
 * replaces (the superseded delivery's current one for the same recipient), its version, and
 * its file name at that version.
 */
export function placeExtract(
  e: NewExtract,
  replaced: ReadonlyMap<string, Replaced>,
): { replaces: string | null; version: number; fileName: string } {
  const old = replaced.get(e.recipient);
  const version = old ? old.version + 1 : 1;
  return { replaces: old?.id ?? null, version, fileName: versionedFileName(e.fileName, version) };
}
