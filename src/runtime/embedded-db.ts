import { fork } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGLITE_SETTINGS } from '../stores/sql/pglite-client';
import { ConfigError } from './config';
import { secureDataDir } from './data-dir';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The embedded database belongs to one process. A lock file with the owner's pid keeps a
 * second gateway off the same data dir; a lock left by a process that died is taken over.
 */
export function lockDataDir(dataDir: string): () => void {
  const path = join(dataDir, 'gateway.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => {
        try {
          if (readFileSync(path, 'utf8') === String(process.pid)) unlinkSync(path);
        } catch {}
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const owner = Number(readFileSync(path, 'utf8'));
      if (owner && owner !== process.pid && alive(owner))
        throw new ConfigError(`GATEWAY_DATA_DIR: another gateway process (pid ${owner}) is using ${dataDir}`);
      rmSync(path, { force: true });
    }
  }
  throw new ConfigError(`GATEWAY_DATA_DIR: could not lock ${dataDir}`);
}

/**
 * Prepares the embedded database folder: creates it in a child process the first time, and
 * after a crash removes the pid file the dead process left (PGlite would wait on it forever).
 * Call only while holding the data dir's lock.
 */
export async function prepareEmbeddedDatabase(dir: string): Promise<void> {
  const stalePid = join(dir, 'postmaster.pid');
  if (existsSync(stalePid)) rmSync(stalePid);
  if (existsSync(join(dir, 'PG_VERSION'))) return;
  const script = fileURLToPath(new URL('./pglite-init.mjs', import.meta.url));
  await new Promise<void>((resolve, reject) => {
    const child = fork(script, [dir, JSON.stringify(PGLITE_SETTINGS)], {
      execArgv: [],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    let err = '';
    child.stderr?.on('data', (d) => {
      err += d;
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`creating the embedded database failed (${code}): ${err}`)),
    );
  });
  // The files PGlite unpacks come 0666 whatever the umask; the ones PostgreSQL makes later are 0600.
  secureDataDir(dir);
}
