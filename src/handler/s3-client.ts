import { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';

/** How long the handler's S3 client waits, per attempt. */
export interface S3Timeouts {
  /** For the connection to be made. */
  readonly connectionTimeoutMs: number;
  /** For the next byte, either way, once connected. */
  readonly socketTimeoutMs: number;
}

/**
 * The SDK waits forever by default: here an attempt whose connection cannot
 * be made in 5 s, or that moves no byte for 30 s, is given up. The SDK
 * retries it (3 attempts in all), so a stalled write ends as a store error
 * after about 90 s at most instead of holding the invocation until the
 * function times out.
 */
export const S3_TIMEOUTS: S3Timeouts = { connectionTimeoutMs: 5_000, socketTimeoutMs: 30_000 };

/** The handler's S3 client (`config` for tests: an endpoint, credentials). */
export function createS3Client(timeouts: S3Timeouts = S3_TIMEOUTS, config: S3ClientConfig = {}): S3Client {
  return new S3Client({
    ...config,
    requestHandler: { connectionTimeout: timeouts.connectionTimeoutMs, socketTimeout: timeouts.socketTimeoutMs },
  });
}
