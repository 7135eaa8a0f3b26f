import { chmodSync, type Dirent, lstatSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Folders under the data dir are 0700, files 0600: only the gateway's own user reads them. */
export const DIR_MODE = 0o700;
export const FILE_MODE = 0o600;

/**
 * Files the process creates from now on get no group or other bits, whatever the umask it was
 * started with (the embedded database creates its folders through the umask). Node's main
 * thread only: worker threads may not change it.
 */
export function restrictUmask(): void {
  process.umask(0o077);
}

/**
 * Creates the data dir if needed and brings it, and everything in it, to 0700 folders and 0600
 * files: an older version, a copy or an archive may have left it 0755 with 0644 files, and the
 * embedded database's initial files come 0666. Symbolic links are left alone (a chmod would
 * follow them out of the folder). Returns how many entries it changed, and those it could not
 * change (another user's files).
 */
export function secureDataDir(dir: string): { checked: number; changed: number; failed: string[] } {
  mkdirSync(dir, { recursive: true, mode: DIR_MODE });
  let checked = 0;
  let changed = 0;
  const failed: string[] = [];
  const fix = (path: string, mode: number) => {
    checked++;
    try {
      if ((lstatSync(path).mode & 0o777) === mode) return;
      chmodSync(path, mode);
      changed++;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') failed.push(path);
    }
  };
  const walk = (folder: string) => {
    let entries: Dirent[];
    try {
      entries = readdirSync(folder, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const path = join(folder, e.name);
      if (e.isDirectory()) {
        fix(path, DIR_MODE);
        walk(path);
      } else if (e.isFile()) fix(path, FILE_MODE);
    }
  };
  // The folder itself may be a symbolic link the operator made: its target is the data dir.
  checked++;
  if ((statSync(dir).mode & 0o777) !== DIR_MODE) {
    chmodSync(dir, DIR_MODE);
    changed++;
  }
  walk(dir);
  return { checked, changed, failed };
}
