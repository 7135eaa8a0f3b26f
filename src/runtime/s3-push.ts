import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import { PermanentPushError, type S3Pusher } from '../pipeline/push';

// The AWS SDK is loaded on the first push to S3: a gateway that never pushes there does not
// pay its start-up time and memory.
const sdk = () => Promise.all([import('@aws-sdk/client-s3'), import('@aws-sdk/lib-storage')]);

export interface S3PushOptions {
  /** The SDK's checksum behaviour: some S3-compatible services corrupt or refuse its default. */
  requestChecksumCalculation: 'WHEN_SUPPORTED' | 'WHEN_REQUIRED';
  responseChecksumValidation: 'WHEN_SUPPORTED' | 'WHEN_REQUIRED';
  /** Multipart part size; the memory one push holds is about this. */
  partSize?: number;
}

/** Pushes extracts to recipients' S3 buckets with multipart uploads, streaming. */
export function createS3Pusher(options: S3PushOptions): S3Pusher {
  const clients = new Map<string, S3Client>();
  return async (target, object, secrets) => {
    const [{ S3Client, S3ServiceException }, { Upload }] = await sdk();
    let credentials: { accessKeyId: string; secretAccessKey: string } | undefined;
    if (target.accessKeyIdSecret && target.secretAccessKeySecret) {
      const accessKeyId = secrets(target.accessKeyIdSecret);
      const secretAccessKey = secrets(target.secretAccessKeySecret);
      if (!accessKeyId || !secretAccessKey)
        throw new PermanentPushError(
          `the secret ${accessKeyId ? target.secretAccessKeySecret : target.accessKeyIdSecret} is not configured`,
        );
      credentials = { accessKeyId, secretAccessKey };
    }
    // A rotated secret under the same key id makes a new client.
    const cacheKey = JSON.stringify([
      target.endpoint,
      target.region,
      target.forcePathStyle,
      credentials?.accessKeyId,
      credentials ? createHash('sha256').update(credentials.secretAccessKey).digest('hex') : null,
    ]);
    let client = clients.get(cacheKey);
    if (!client) {
      client = new S3Client({
        region: target.region,
        ...(target.endpoint ? { endpoint: target.endpoint } : {}),
        forcePathStyle: target.forcePathStyle,
        ...(credentials ? { credentials } : {}),
        requestChecksumCalculation: options.requestChecksumCalculation,
        responseChecksumValidation: options.responseChecksumValidation,
        maxAttempts: 1, // the push queue retries, with back-off, across restarts
      });
      clients.set(cacheKey, client);
    }
    const abortController = new AbortController();
    const timer = setTimeout(() => abortController.abort(), object.timeoutMs);
    try {
      await new Upload({
        client,
        abortController,
        params: {
          Bucket: target.bucket,
          Key: object.key,
          Body: Readable.from(object.body),
          ContentType: object.contentType,
          Metadata: object.metadata,
          ...(target.serverSideEncryption ? { ServerSideEncryption: target.serverSideEncryption } : {}),
          ...(target.kmsKeyId ? { SSEKMSKeyId: target.kmsKeyId } : {}),
        },
        partSize: options.partSize ?? 8 * 1024 * 1024,
        queueSize: 1,
        leavePartsOnError: false,
      }).done();
    } catch (e) {
      if (e instanceof S3ServiceException) {
        const status = e.$metadata.httpStatusCode ?? 0;
        const what = `S3 bucket ${target.bucket} answered ${status} ${e.name}`;
        if (status >= 400 && status < 500 && status !== 408 && status !== 429)
          throw new PermanentPushError(what);
        throw new Error(what);
      }
      if (abortController.signal.aborted)
        throw new Error(`the upload to S3 bucket ${target.bucket} took longer than ${object.timeoutMs} ms`);
      throw e;
    } finally {
      clearTimeout(timer);
    }
    return { location: `s3://${target.bucket}/${object.key}` };
  };
}
