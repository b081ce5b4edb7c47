/** The handler's own S3 client (its timeouts, its production checksum settings), pointed at the S3 stand-in. */
import type { S3Client } from '@aws-sdk/client-s3';
import type { LocalS3 } from '../../local/s3/server';
import { createS3Client, S3_TIMEOUTS } from '../../src/handler/s3-client';

/** A client as the handler makes one on Lambda, talking to `s3` with its dummy credentials. */
export function handlerS3Client(s3: Pick<LocalS3, 'endpoint'>): S3Client {
  return createS3Client(S3_TIMEOUTS, {
    endpoint: s3.endpoint,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
}
