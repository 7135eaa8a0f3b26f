import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface S3Server {
  endpoint: string;
  /** s3rver's fixed credentials. */
  accessKeyId: string;
  secretAccessKey: string;
  stop(): Promise<void>;
}

/** A TCP port on loopback that nothing listens on just now. */
export async function freePort(): Promise<number> {
  const srv = createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const port = (srv.address() as { port: number }).port;
  srv.close();
  await once(srv, 'close');
  return port;
}

/**
 * A real S3-compatible server on loopback (s3rver, files in a temporary folder), with the
 * given buckets. It runs as a child process: it needs OpenSSL's legacy provider on Node 20.
 */
export async function startS3rver(buckets: string[]): Promise<S3Server> {
  const dir = await mkdtemp(join(tmpdir(), 'gateway-s3rver-'));
  const port = await freePort();
  const bin = new URL('../../node_modules/s3rver/bin/s3rver.js', import.meta.url).pathname;
  const args = [bin, '-d', dir, '-a', '127.0.0.1', '-p', String(port), '--silent'];
  for (const b of buckets) args.push('--configure-bucket', b);
  const child: ChildProcess = spawn(process.execPath, args, {
    env: { ...process.env, NODE_OPTIONS: '--openssl-legacy-provider' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const on = (d: Buffer) => {
      out += d.toString();
      if (out.includes('listening')) resolve();
    };
    child.stdout?.on('data', on);
    child.stderr?.on('data', on);
    child.on('exit', (code) => reject(new Error(`s3rver exited ${code}: ${out}`)));
    setTimeout(() => reject(new Error(`s3rver did not start: ${out}`)), 15_000).unref();
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
