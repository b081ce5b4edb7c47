/**
 * The props of the library's constructs, apart from the constructs themselves, so that validation and the
 * nag acknowledgements can read them without importing a construct.
 */
import { Duration, Size } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';

/** Properties of a `MirrorOrigin`: one third-party origin, its bucket, handler and policies. */
export interface MirrorOriginProps {
  /**
   * The third-party origin to mirror: an absolute http(s) URL without credentials, query or fragment.
   * Its path, if any, is the base that request paths are appended to.
   */
  readonly endpoint: string;

  /**
   * The bucket that holds the mirror. A bucket you bring must let the distribution's OAC statement into its
   * policy (a bucket defined in the app does; an imported one needs it added by hand). Mirrors may share a bucket:
   * each behaviour's path pattern owns its keys.
   * @default - a `MirrorOrigin` made on its own creates a new private bucket: all public access blocked, SSL enforced,
   * S3-managed encryption, bucket owner enforced, retained when the stack is deleted; `addMirror()` shares the
   * default mirror's bucket
   */
  readonly bucket?: s3.IBucket;

  /**
   * Prefix of every key the handler stores, such as "mirror/": letters, digits, ".", "_", "-", "~" and "/",
   * ending with "/". It is also the S3 origin's path, so CloudFront looks up the same keys; a plain string (not a token).
   * @default - none: keys are the request paths
   */
  readonly keyPrefix?: string;

  /**
   * Minimum time CloudFront caches an object. Keep it 0: above 0 CloudFront also caches the handler's
   * redirect for large objects and its no-store errors (the construct warns).
   * @default Duration.seconds(0)
   */
  readonly minTtl?: Duration;

  /**
   * How long CloudFront caches an object whose response has no Cache-Control max-age.
   * @default Duration.days(1)
   */
  readonly defaultTtl?: Duration;

  /**
   * Longest time CloudFront caches an object, whatever its Cache-Control says.
   * @default Duration.days(365)
   */
  readonly maxTtl?: Duration;

  /**
   * The cache policy of the default behaviour. Its minimum TTL should be 0 (a warning says when it is not, or cannot be
   * known at synth); it cannot be combined with the TTL props.
   * @default - a policy built from minTtl, defaultTtl and maxTtl: query strings, cookies and headers out of the
   * cache key, gzip and brotli on
   */
  readonly cachePolicy?: cloudfront.ICachePolicy;

  /**
   * How long a 404 or 410 from the origin is cached (the handler's `max-age`).
   * @default Duration.seconds(10)
   */
  readonly notFoundTtl?: Duration;

  /**
   * Viewer headers passed on to the origin (CloudFront allows 10 by default). Never authorization, cookie or x-amz-*; never headers the handler sets
   * itself (host, accept-encoding, connection and body headers) or that ask for less than the whole object
   * (range, if-match, if-none-match, if-modified-since, if-unmodified-since, if-range).
   * They are also sent to the S3 primary, which ignores them.
   * @default - none
   */
  readonly forwardHeaders?: string[];

  /**
   * Static headers sent to the origin with every request, such as a shared secret the origin checks. ASCII values.
   * The same header names as in `forwardHeaders` are refused, except authorization, cookie and x-amz-*.
   * The values are in the function's environment and in the template: pass a secret that must stay out of
   * source control as a token (an SSM parameter, a CloudFormation parameter).
   * @default - none
   */
  readonly originHeaders?: { [name: string]: string };

  /**
   * Longest wait for the origin's response headers. A timeout answers 504. Under 60 s, CloudFront's own wait.
   * @default Duration.seconds(10)
   */
  readonly originResponseTimeout?: Duration;

  /**
   * Longest pause in the origin's body. A stall aborts the response and stores nothing. Under 60 s.
   * @default Duration.seconds(20)
   */
  readonly originIdleTimeout?: Duration;

  /**
   * Objects larger than this (by Content-Length) are stored first and then answered with a redirect to the
   * same URL, since Lambda streams to viewers slowly past 6 MB. From 0 to 200 MB. A streamed object can wait in
   * memory for a slow viewer: the construct warns when this and the upload parts take more than half of memorySize.
   * An object the origin sends encoded (Content-Encoding) is always stored first and redirected to.
   * @default Size.mebibytes(6)
   */
  readonly streamThreshold?: Size;

  /**
   * Objects larger than this are refused and never stored. From 1 byte to 5 TiB. An object of unknown length is
   * uploaded in parts of maxObjectSize / 10,000 (at least 5 MiB), three held in memory at once: the construct warns
   * when they and streamThreshold take more than half of memorySize.
   * @default Size.gibibytes(5)
   */
  readonly maxObjectSize?: Size;

  /**
   * Memory of the handler in MiB, from 128 to 10240. More memory also means more CPU and network.
   * @default 1024
   */
  readonly memorySize?: number;

  /**
   * Timeout of the handler. Longer than originResponseTimeout and originIdleTimeout, at most 15 minutes.
   * @default Duration.minutes(5)
   */
  readonly handlerTimeout?: Duration;

  /**
   * Concurrent executions reserved for the handler, which also caps the fetches the origin sees at once
   * (0 stops all fetching).
   * @default - none: the handler shares the account's unreserved concurrency
   */
  readonly reservedConcurrency?: number;

  /**
   * How long the handler's logs are kept. The log group is deleted with the stack.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * Query-string parameters that select a variant of an object, such as `x-oss-process` (image processing on
   * Alibaba OSS): a CloudFront Function folds them into the key, so `photo.jpg?x-oss-process=...` is fetched with
   * that query and stored as its own object. Names match case-sensitively; other parameters are dropped. At most 10.
   * @default - none: the query string is ignored
   */
  readonly variantQueryStrings?: string[];

  /**
   * Status codes from the S3 primary that send a request to the handler: 400, 403, 404, 416, 500, 502, 503 or 504.
   * @default [404]
   */
  readonly fallbackStatusCodes?: number[];

  /**
   * Headers CloudFront adds to every response of this mirror's behaviour, such as security headers. Not together
   * with `cors`, which makes the behaviour's response headers policy itself (a behaviour takes one).
   * @default - none (or the CORS policy of `cors`)
   */
  readonly responseHeadersPolicy?: cloudfront.IResponseHeadersPolicy;

  /**
   * Cross-origin requests from browsers: the bucket's CORS rules answer preflight `OPTIONS` (S3 answers it, on hits
   * and misses alike) and a response headers policy adds the CORS headers to every `GET` and `HEAD`, whether S3 or the
   * handler answered. Needs a bucket defined in this app (an imported bucket's CORS rules cannot be set from here).
   * Mirrors that share a bucket share its CORS rules.
   * @default - no CORS: a preflight gets 403 from S3, and answers carry no CORS headers
   */
  readonly cors?: MirrorOriginCors;

  /**
   * An AWS Region for CloudFront Origin Shield, on both origins of the group (the bucket and the function URL), such
   * as the Region of the bucket. Origin Shield is one more caching layer that collapses the misses of every edge
   * location into one request, so a new popular object reaches the function about once instead of once per regional
   * edge cache; it costs a charge per request that reaches it (see CloudFront pricing) on top of the usual requests.
   * @default - no Origin Shield
   */
  readonly originShieldRegion?: string;

  /**
   * One origin fetch per object, however many viewers miss it at once. The first miss of a key takes a lease in a
   * DynamoDB table (on demand, items removed by TTL) and fetches; concurrent misses of the key wait for it (at most
   * 10 s), then answer with what it stored or with its verdict (a 404, a 502 …), without a fetch of their own. Off,
   * every concurrent miss fetches the whole object (only the store is deduplicated), and no table is created.
   * @default true
   */
  readonly singleFlight?: boolean;

  /**
   * The mirror's name in its CloudWatch metrics (the value of their `Mirror` dimension): 1 to 255 printable ASCII
   * characters, unique in the stack. Set it to keep the metrics, and the alarms and graphs on them, when the construct
   * moves in the tree.
   * @default - the construct's path, such as "MyStack/Mirror/Default"
   */
  readonly mirrorName?: string;

  /**
   * Whether the mirror makes its two alarms: origin errors above a rate, and the handler's errors or throttles
   * (`originBudget` makes its own either way). They have no actions: add yours through `alarms`.
   * @default true
   */
  readonly alarms?: boolean;

  /**
   * A cap on what the handler may fetch from the origin, against a runaway bill (a flood of unique missing paths).
   * Past it, an alarm sets the handler's reserved concurrency to 0: no more fetches, while objects already in the
   * bucket are still served. See docs/operations.md for the reset.
   * @default - no budget
   */
  readonly originBudget?: MirrorOriginBudget;
}

/** What a mirror may fetch from its origin before fetching stops (`originBudget`); give one limit or both. */
export interface MirrorOriginBudget {
  /**
   * Most bytes fetched from the origin in one hour (the sum of the `BytesFromOrigin` metric over an hour).
   * @default - no limit on bytes
   */
  readonly bytesPerHour?: Size;

  /**
   * Most requests sent to the origin in one minute.
   * @default - no limit on requests
   */
  readonly requestsPerMinute?: number;

  /**
   * Turn fetching back on by itself this long after the brake stopped it (a one-time EventBridge Scheduler schedule),
   * from 1 minute to 365 days.
   * @default - no automatic reset: fetching stays off until it is reset by hand
   */
  readonly resetAfter?: Duration;
}

/** Cross-origin (CORS) access to a mirror, for `GET` and `HEAD` (and the preflight `OPTIONS`). */
export interface MirrorOriginCors {
  /**
   * Origins allowed to read the mirror, such as `https://app.example.com` (scheme, host and an optional port, no path),
   * or `*` for any origin.
   */
  readonly allowedOrigins: string[];

  /**
   * Request headers a cross-origin request may carry (`Access-Control-Allow-Headers`).
   * @default ["*"] - any header
   */
  readonly allowedHeaders?: string[];

  /**
   * Response headers a browser script may read beyond the CORS-safelisted ones (`Access-Control-Expose-Headers`).
   * @default - none
   */
  readonly exposedHeaders?: string[];

  /**
   * How long a browser may cache a preflight answer (`Access-Control-Max-Age`); browsers cap it (2 hours in Chromium).
   * @default Duration.hours(1)
   */
  readonly maxAge?: Duration;
}

/** Properties of a `MirrorOriginDistribution`: its default mirror's, and the distribution's. */
export interface MirrorOriginDistributionProps extends MirrorOriginProps {
  /**
   * The object served for "/", always set so that "/" never lists the bucket. No leading "/"; a plain string (not a token).
   * @default "index.html"
   */
  readonly defaultRootObject?: string;

  /**
   * Alternative domain names of the distribution. They need `certificate` (synth fails without it).
   * @default - only the distribution's *.cloudfront.net name
   */
  readonly domainNames?: string[];

  /**
   * An ACM certificate in us-east-1 that covers `domainNames`.
   * @default - the *.cloudfront.net certificate
   */
  readonly certificate?: acm.ICertificate;

  /**
   * The edge locations that serve the distribution.
   * @default cloudfront.PriceClass.PRICE_CLASS_ALL
   */
  readonly priceClass?: cloudfront.PriceClass;

  /**
   * A WAF web ACL (its ARN, for WAF v2) in front of the distribution.
   * @default - none
   */
  readonly webAclId?: string;

  /**
   * Whether CloudFront writes standard access logs (to `logBucket`, or to a new private bucket).
   * @default false - no cost unless asked for; true when `logBucket` is given
   */
  readonly enableLogging?: boolean;

  /**
   * The bucket for CloudFront's access logs. It must allow ACLs (object ownership not BucketOwnerEnforced,
   * which is also S3's default): synth fails for a bucket of this app that does not; an imported one is not checked.
   * @default - a new private, SSL-only bucket with ACLs enabled, when `enableLogging` is true
   */
  readonly logBucket?: s3.IBucket;

  /**
   * Prefix of the access log files in the log bucket.
   * @default - none
   */
  readonly logFilePrefix?: string;

  /**
   * A comment on the distribution, at most 128 characters (longer ones are shortened).
   * @default - "Mirror of <endpoint>" when the endpoint is not a token, otherwise none
   */
  readonly comment?: string;

  /**
   * The minimum TLS version viewers must use. It only has an effect with `certificate` (the *.cloudfront.net
   * certificate's policy is fixed by CloudFront).
   * @default cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021
   */
  readonly minimumProtocolVersion?: cloudfront.SecurityPolicyProtocol;

  /**
   * The HTTP versions viewers may use.
   * @default cloudfront.HttpVersion.HTTP2_AND_3
   */
  readonly httpVersion?: cloudfront.HttpVersion;

  /**
   * Countries the distribution serves or refuses.
   * @default - no restriction
   */
  readonly geoRestriction?: cloudfront.GeoRestriction;

  /**
   * Whether to make a CloudWatch dashboard of the distribution and its mirrors (`MirrorOriginDashboard`): hit ratio,
   * misses by outcome, bytes from the origin, latencies, the handlers' concurrency and CloudFront's error rates.
   * @default false
   */
  readonly dashboard?: boolean;
}
