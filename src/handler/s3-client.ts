import { S3Client } from '@aws-sdk/client-s3';

/**
 * The handler's S3 client. The SDK waits forever by default: here an attempt
 * whose connection cannot be made in 5 s, or that moves no byte for 30 s, is
 * given up. The SDK retries it (3 attempts in all), so a stalled write ends as
 * a store error after about 90 s at most instead of holding the invocation
 * until the function times out.
 */
export function createS3Client(): S3Client {
  return new S3Client({ requestHandler: { connectionTimeout: 5_000, socketTimeout: 30_000 } });
}
