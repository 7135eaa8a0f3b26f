// Creates an embedded database folder in a process of its own and exits. Creating one
// (initdb) takes several hundred MB that the WebAssembly heap never gives back; done here,
// the gateway process that opens the folder afterwards stays small.
import { PGlite } from '@electric-sql/pglite';

const dir = process.argv[2];
if (!dir) {
  process.stderr.write('usage: pglite-init.mjs DIR\n');
  process.exit(2);
}
// Folders 0700 whatever umask the gateway was started with (the parent tightens the files after).
process.umask(0o077);
const db = new PGlite(dir, { postgresqlconf: JSON.parse(process.argv[3] ?? '[]') });
await db.waitReady;
await db.close();
