/**
 * The `@default` of every construct prop that has a value as its default: the one source the constructs use, the
 * `@default` docs are checked against (test/defaults.test.ts), and the handler's own defaults (`DEFAULTS`) feed.
 */
import { Duration, Size } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as logs from 'aws-cdk-lib/aws-logs';
import { DEFAULTS } from './config';

/** Defaults of `MirrorOriginProps`. */
export const ORIGIN_PROP_DEFAULTS = {
  minTtl: Duration.seconds(0),
  defaultTtl: Duration.days(1),
  maxTtl: Duration.days(365),
  notFoundTtl: Duration.seconds(DEFAULTS.notFoundTtlSeconds),
  originResponseTimeout: Duration.millis(DEFAULTS.originResponseTimeoutMs),
  originIdleTimeout: Duration.millis(DEFAULTS.originIdleTimeoutMs),
  streamThreshold: Size.bytes(DEFAULTS.streamThresholdBytes),
  maxObjectSize: Size.bytes(DEFAULTS.maxObjectSizeBytes),
  memorySize: 1024,
  handlerTimeout: Duration.minutes(5),
  logRetention: logs.RetentionDays.ONE_MONTH,
  fallbackStatusCodes: [404] as readonly number[],
  alarms: true,
  singleFlight: true,
} as const;

/** Defaults of `MirrorOriginCors`. */
export const CORS_PROP_DEFAULTS = {
  allowedHeaders: ['*'] as readonly string[],
  maxAge: Duration.hours(1),
} as const;

/** Defaults of the distribution's own props in `MirrorOriginDistributionProps`. */
export const DISTRIBUTION_PROP_DEFAULTS = {
  defaultRootObject: 'index.html',
  enableLogging: false,
  priceClass: cloudfront.PriceClass.PRICE_CLASS_ALL,
  httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
  minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
  dashboard: false,
} as const;

/** Defaults of `MirrorJobsProps`. */
export const JOBS_PROP_DEFAULTS = {
  maxConcurrency: 10,
  batchSize: 20,
  toleratedFailurePercentage: 5,
  reportsPrefix: 'mirror-jobs/',
  reportsExpiration: Duration.days(90),
} as const;
