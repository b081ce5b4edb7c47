/**
 * A mirror's CORS (`cors`): the bucket's CORS rule, so that S3 answers the preflight OPTIONS of a hit and a miss
 * alike, and a response headers policy that adds the CORS headers to every GET and HEAD, S3's answers and the
 * handler's alike. Which props it refuses is in validation.ts.
 */
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { CORS_PROP_DEFAULTS } from './defaults';
import type { MirrorOriginCors } from './props';

/** The response headers policy: CloudFront adds the CORS headers to every answer, S3's and the handler's alike. */
export function newCorsPolicy(scope: Construct, cors: MirrorOriginCors): cloudfront.IResponseHeadersPolicy {
  return new cloudfront.ResponseHeadersPolicy(scope, 'CorsPolicy', {
    comment: 'cdk-mirror-origin: CORS for GET and HEAD',
    corsBehavior: {
      accessControlAllowOrigins: [...cors.allowedOrigins],
      accessControlAllowMethods: ['GET', 'HEAD', 'OPTIONS'],
      accessControlAllowHeaders: [...(cors.allowedHeaders ?? CORS_PROP_DEFAULTS.allowedHeaders)],
      accessControlExposeHeaders: cors.exposedHeaders ? [...cors.exposedHeaders] : undefined,
      accessControlAllowCredentials: false,
      accessControlMaxAge: cors.maxAge ?? CORS_PROP_DEFAULTS.maxAge,
      // One source of CORS headers for hits and misses: the policy's, whatever S3 sent.
      originOverride: true,
    },
  });
}

/** The bucket's CORS rule, so that S3 answers the preflight OPTIONS of a hit or a miss alike (validation refused an imported bucket). */
export function addBucketCors(bucket: s3.IBucket, cors: MirrorOriginCors): void {
  if (!(bucket instanceof s3.Bucket)) throw new Error('cors needs a bucket defined in this app: validation should have refused this one');
  bucket.addCorsRule({
    allowedOrigins: [...cors.allowedOrigins],
    allowedMethods: [s3.HttpMethods.GET, s3.HttpMethods.HEAD],
    allowedHeaders: [...(cors.allowedHeaders ?? CORS_PROP_DEFAULTS.allowedHeaders)],
    exposedHeaders: cors.exposedHeaders ? [...cors.exposedHeaders] : undefined,
    maxAge: (cors.maxAge ?? CORS_PROP_DEFAULTS.maxAge).toSeconds(),
  });
}
