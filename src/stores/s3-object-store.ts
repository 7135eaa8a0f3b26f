import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { bytesOf } from './byte-stream';
import { assertObjectKey, assertObjectPrefix, type ObjectSink, type ObjectStore } from './object-store';

export interface S3ObjectStoreOptions {
  bucket: string;
  /** Put before every key, e.g. `gateway/`; empty for the whole bucket. */
  prefix?: string;
  region?: string;
  endpoint?: string;
  forcePathStyle?: boolean;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** The SDK's checksums: WHEN_REQUIRED suits S3-compatible services that mishandle the SDK's default. */
  requestChecksumCalculation?: 'WHEN_SUPPORTED' | 'WHEN_REQUIRED';
  responseChecksumValidation?: 'WHEN_SUPPORTED' | 'WHEN_REQUIRED';
  serverSideEncryption?: 'AES256' | 'aws:kms';
  kmsKeyId?: string;
  /** Multipart part size; each object being written holds about this much in memory. */
  partSize?: number;
}

/**
 * Objects in an S3 bucket (AWS or S3-compatible): written with multipart uploads as the bytes
 * come, so an object is visible only once whole; read as streams, with ranges. Coordination
 * between nodes goes through the metadata store, never through S3 preconditions.
 */
export async function createS3ObjectStore(opts: S3ObjectStoreOptions): Promise<ObjectStore> {
  const name = 's3-object-store';
  // Loaded here, not at start: a gateway on the data dir never loads the AWS SDK.
  const {
    DeleteObjectCommand,
    DeleteObjectsCommand,
    GetObjectCommand,
    HeadBucketCommand,
    HeadObjectCommand,
    ListObjectsV2Command,
    S3Client,
    S3ServiceException,
  } = await import('@aws-sdk/client-s3');
  const { Upload } = await import('@aws-sdk/lib-storage');
  const missing = (e: unknown) =>
    e instanceof S3ServiceException &&
    (e.name === 'NoSuchKey' || e.name === 'NotFound' || e.$metadata.httpStatusCode === 404);
  const client = new S3Client({
    region: opts.region ?? 'us-east-1',
    ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
    forcePathStyle: opts.forcePathStyle ?? false,
    ...(opts.credentials ? { credentials: opts.credentials } : {}),
    requestChecksumCalculation: opts.requestChecksumCalculation ?? 'WHEN_REQUIRED',
    responseChecksumValidation: opts.responseChecksumValidation ?? 'WHEN_REQUIRED',
  });
  const Bucket = opts.bucket;
  const base = opts.prefix ?? '';
  const full = (key: string) => `${base}${key}`;
  const sse = {
    ...(opts.serverSideEncryption ? { ServerSideEncryption: opts.serverSideEncryption } : {}),
    ...(opts.kmsKeyId ? { SSEKMSKeyId: opts.kmsKeyId } : {}),
  };

  const store: ObjectStore = {
    name,

    async create(key) {
      assertObjectKey(key, name);
      const body = new PassThrough({ highWaterMark: 1024 * 1024 });
      const upload = new Upload({
        client,
        params: { Bucket, Key: full(key), Body: body, ...sse },
        partSize: opts.partSize ?? 8 * 1024 * 1024,
        queueSize: 1,
        leavePartsOnError: false,
      });
      const done = upload.done();
      let failure: unknown = null;
      done.catch((e) => {
        failure = e;
        body.destroy();
      });
      let ended = false;
      const sink: ObjectSink = {
        async write(chunk) {
          if (failure) throw failure;
          if (ended) throw new Error(`${name}: write after close of ${key}`);
          if (!body.write(chunk)) await Promise.race([once(body, 'drain'), done]);
          if (failure) throw failure;
        },
        async close() {
          if (ended) return;
          ended = true;
          body.end();
          await done;
        },
        async abort() {
          if (ended && !failure) return;
          ended = true;
          await upload.abort().catch(() => {});
          body.destroy();
          await done.catch(() => {});
        },
      };
      return sink;
    },

    async read(key, range) {
      assertObjectKey(key, name);
      try {
        const res = await client.send(
          new GetObjectCommand({
            Bucket,
            Key: full(key),
            ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}),
          }),
        );
        const body = bytesOf(res.Body, name);
        if (!range) return body;
        // Some S3-compatible servers answer a range other than the one asked for (bytes=0-0
        // with the whole object): then what was asked for is cut from what came, streaming.
        const got = /^bytes (\d+)-(\d+)\//.exec(res.ContentRange ?? '');
        const gotStart = got ? Number(got[1]) : 0;
        if (got && gotStart === range.start && Number(got[2]) === range.end) return body;
        return cut(body, range.start - gotStart, range.end - gotStart);
      } catch (e) {
        if (missing(e)) return null;
        throw e;
      }
    },

    async stat(key) {
      assertObjectKey(key, name);
      try {
        const h = await client.send(new HeadObjectCommand({ Bucket, Key: full(key) }));
        return { bytes: Number(h.ContentLength ?? 0) };
      } catch (e) {
        if (missing(e)) return null;
        throw e;
      }
    },

    async delete(key) {
      assertObjectKey(key, name);
      await client.send(new DeleteObjectCommand({ Bucket, Key: full(key) }));
    },

    async deletePrefix(prefix) {
      assertObjectPrefix(prefix, name);
      let batch: string[] = [];
      const flush = async () => {
        if (!batch.length) return;
        const res = await client.send(
          new DeleteObjectsCommand({
            Bucket,
            Delete: { Objects: batch.map((k) => ({ Key: full(k) })), Quiet: true },
          }),
        );
        if (res.Errors?.length)
          throw new Error(
            `${name}: ${res.Errors.length} object(s) under ${prefix} could not be deleted (${res.Errors[0]?.Code ?? 'unknown'})`,
          );
        batch = [];
      };
      for await (const k of store.list(prefix)) {
        batch.push(k);
        if (batch.length === 1000) await flush();
      }
      await flush();
    },

    async *list(prefix) {
      let ContinuationToken: string | undefined;
      do {
        const page = await client.send(
          new ListObjectsV2Command({ Bucket, Prefix: full(prefix), ContinuationToken, MaxKeys: 1000 }),
        );
        for (const o of page.Contents ?? []) if (o.Key) yield o.Key.slice(base.length);
        ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (ContinuationToken);
    },

    async ping() {
      await client.send(new HeadBucketCommand({ Bucket }));
    },
  };
  return store;
}

async function* cut(
  source: AsyncIterable<Uint8Array>,
  start: number,
  end: number,
): AsyncIterable<Uint8Array> {
  let offset = 0;
  for await (const chunk of source) {
    const from = Math.max(start - offset, 0);
    const to = Math.min(end + 1 - offset, chunk.length);
    if (to > from) yield chunk.subarray(from, to);
    offset += chunk.length;
    if (offset > end) break;
  }
}
