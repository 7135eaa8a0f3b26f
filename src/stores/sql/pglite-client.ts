import { PGlite } from '@electric-sql/pglite';
import { NodeFS } from '@electric-sql/pglite/nodefs';
import type { SqlClient } from './client';

/**
 * Settings for an embedded database that shares its process with the gateway: PostgreSQL's
 * default 128 MB of shared buffers would be most of the process's memory.
 */
export const PGLITE_SETTINGS = [
  'shared_buffers=16MB',
  'wal_buffers=1MB',
  'work_mem=4MB',
  'maintenance_work_mem=16MB',
];

interface EmscriptenFs {
  chmod(path: unknown, mode: number, dontFollow?: boolean): unknown;
  mknod(path: string, mode: number, dev: number): unknown;
}

/**
 * PGlite's files in a folder, readable by the gateway's user only. The Emscripten file system
 * under PGlite keeps a umask of its own (0022) and creates every file it opens with a chmod
 * (pg_internal.init, the statistics written at close: 0644 whatever the process's umask), so
 * its chmod and mknod lose the group and other bits here; PostgreSQL's own files are 0600 and
 * its folders 0700 anyway.
 */
class OwnerOnlyNodeFS extends NodeFS {
  override async init(pg: PGlite, opts: Parameters<NodeFS['init']>[1]) {
    const { emscriptenOpts } = await super.init(pg, opts);
    const ownerOnly = (mod: { FS: EmscriptenFs }) => {
      const fs = mod.FS;
      const { chmod, mknod } = fs;
      fs.chmod = (path, mode, dontFollow) => chmod.call(fs, path, mode & ~0o077, dontFollow);
      fs.mknod = (path, mode, dev) => mknod.call(fs, path, mode & ~0o077, dev);
    };
    return {
      emscriptenOpts: {
        ...emscriptenOpts,
        preRun: [...(emscriptenOpts.preRun ?? []), ownerOnly as NonNullable<typeof opts.preRun>[number]],
      },
    };
  }
}

/** The embedded PostgreSQL (PGlite), persisted in a folder (0700/0600), or in memory when none is given. */
export async function createPgliteClient(dataDir?: string): Promise<SqlClient> {
  const options = { relaxedDurability: false, postgresqlconf: PGLITE_SETTINGS };
  const db = dataDir ? new PGlite({ ...options, fs: new OwnerOnlyNodeFS(dataDir) }) : new PGlite(options);
  await db.waitReady;
  return {
    name: 'pglite',
    async query(sql, params) {
      const r = await db.query(sql, params as unknown[] | undefined);
      return r.rows as never[];
    },
    async exec(sql) {
      await db.exec(sql);
    },
    transaction(fn) {
      return db.transaction((tx) =>
        fn({
          async query(sql, params) {
            const r = await tx.query(sql, params as unknown[] | undefined);
            return r.rows as never[];
          },
          async exec(sql) {
            await tx.exec(sql);
          },
        }),
      );
    },
    async close() {
      await db.close();
    },
  };
}
