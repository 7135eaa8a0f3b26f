import { randomUUID } from 'node:crypto';
import { createS3ObjectStore } from '../../src/stores/s3-object-store';
import { objectStoreContract } from '../contract/object-store';
import { type S3Server, startS3rver } from '../support/s3rver';

// A real S3-compatible server on loopback (s3rver): the same contract as the filesystem store.
let server: S3Server | null = null;
objectStoreContract('s3-object-store (s3rver)', async () => {
  server ??= await startS3rver(['gateway-objects']);
  const s = server;
  return {
    // Each run under its own prefix, beside objects that are not the store's.
    store: await createS3ObjectStore({
      bucket: 'gateway-objects',
      prefix: `run-${randomUUID().slice(0, 8)}/`,
      endpoint: s.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey },
      partSize: 5 * 1024 * 1024,
    }),
    cleanup: async () => {
      await s.stop();
      server = null;
    },
  };
});
