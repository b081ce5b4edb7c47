import { Annotations, Duration, RemovalPolicy, Stack, Token, Tokenization } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledgeOriginFindings } from './acknowledgements';
import { DEFAULTS, FUNCTION_URL_READ_TIMEOUT_SECONDS, MirrorConfig, toEnvironment } from './config';
import { addBucketCors, newCorsPolicy } from './cors';
import { ORIGIN_PROP_DEFAULTS } from './defaults';
import { ERROR_CACHING_STATUS_CODES, MirrorBinding, bindingProblems, findDistribution } from './distribution-requirements';
import { MirrorFunction } from './handler/mirror-function';
import { registerInternals } from './internals';
import { grantLeases, newLeaseTable } from './lease-table';
import { MirrorOperations } from './metrics/operations';
import type { MirrorOriginProps } from './props';
import { originPropsProblems, originRequestHeaders, validationError } from './validation';
import { viewerRequestFunctionCode } from './variant/function-code';
import { originWarnings } from './warnings';

/**
 * One third-party origin mirrored into S3, as a CloudFront origin: the bucket, the fetch-and-store handler behind a
 * function URL, the origin group (bucket first, the function URL on a miss), and the policies of the behaviour that
 * serves it. Bind it to any `cloudfront.Distribution` in the same stack:
 * `distribution.addBehavior('/legacy/*', mirror.origin, mirror.behaviorOptions)`. The whole viewer path is the key
 * (under `keyPrefix`) and the path asked of the origin (under the endpoint's path).
 */
export class MirrorOrigin extends Construct {
  /**
   * The error responses a distribution serving a mirror needs: every status CloudFront lets a distribution cache
   * errors for, cached 0 s, so the handler's own Cache-Control decides (no-store errors are not kept, a 404 is kept
   * `notFoundTtl`). Pass them as the distribution's `errorResponses` (with your own entries for other statuses).
   */
  public static errorResponses(): cloudfront.ErrorResponse[] {
    return ERROR_CACHING_STATUS_CODES.map((httpStatus) => ({ httpStatus, ttl: Duration.seconds(0) }));
  }

  /** The bucket that holds the mirror. */
  public readonly bucket: s3.IBucket;
  /** The fetch-and-store function. */
  public readonly handler: lambda.IFunction;
  /** The handler's function URL (AWS_IAM auth, response streaming), reachable only through the distribution. */
  public readonly functionUrl: lambda.IFunctionUrl;
  /** The origin group to pass to `Distribution.addBehavior` (or a default behaviour): the bucket, then the function URL. */
  public readonly origin: cloudfront.IOrigin;
  /** The behaviour's settings to pass with `origin`: policies, methods, protocol, compression, function associations. */
  public readonly behaviorOptions: cloudfront.AddBehaviorOptions;
  /** The prefix of every key this mirror stores ("" for none). */
  public readonly keyPrefix: string;
  /** The mirror's name in its metrics (the `Mirror` dimension). */
  public readonly mirrorName: string;
  /**
   * The mirror's alarms, to add actions to (at most three): its two default ones (unless `alarms: false`), then the
   * origin budget's (with both limits, a composite alarm over one alarm per limit).
   */
  public readonly alarms: cloudwatch.AlarmBase[];
  /** The single-flight lease table (DynamoDB, on demand), unless `singleFlight` is false. */
  public readonly leaseTable?: dynamodb.ITable;

  private readonly variantFunction?: cloudfront.IFunction;
  private readonly bindings: MirrorBinding[] = [];
  private readonly operations: MirrorOperations;

  /**
   * Builds the mirror. A bad prop throws one error naming this construct's path and each bad prop.
   * @param scope the construct this one is defined in, in the stack of the distribution it will be bound to
   * @param id its id, unique within `scope`
   * @param props the origin to mirror (`endpoint`) and every other setting, each with a documented default
   */
  constructor(scope: Construct, id: string, props: MirrorOriginProps) {
    super(scope, id);
    const problems = originPropsProblems(props);
    if (problems.length > 0) throw validationError(this.node.path, problems);

    this.keyPrefix = props.keyPrefix ?? '';
    this.mirrorName = props.mirrorName ?? this.node.path;
    const ownsBucket = props.bucket === undefined;
    this.bucket = props.bucket ?? newMirrorBucket(this);
    if (props.cors) addBucketCors(this.bucket, props.cors);

    const logGroup = new logs.LogGroup(this, 'HandlerLogGroup', {
      retention: props.logRetention ?? ORIGIN_PROP_DEFAULTS.logRetention,
      // The logs expire anyway; a retained group would outlive the stack with nothing writing to it.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // One configuration for both sides: the handler reads it from its environment, and the variant
    // CloudFront Function gets its parameter list from the same object.
    const leaseTable = props.singleFlight ?? ORIGIN_PROP_DEFAULTS.singleFlight ? newLeaseTable(this) : undefined;
    this.leaseTable = leaseTable;
    const config = this.handlerConfig(props, leaseTable?.tableName ?? '');
    const handlerRole = this.handlerRole(logGroup);
    if (leaseTable) grantLeases(leaseTable, handlerRole);
    const handler = new MirrorFunction(this, 'Handler', {
      description: 'cdk-mirror-origin: fetches an object missing from the mirror, stores it in S3 and answers',
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? ORIGIN_PROP_DEFAULTS.memorySize,
      timeout: props.handlerTimeout ?? ORIGIN_PROP_DEFAULTS.handlerTimeout,
      reservedConcurrentExecutions: props.reservedConcurrency,
      role: handlerRole,
      logGroup,
      environment: toEnvironment(config, {
        json: (value) => Stack.of(this).toJsonString(value),
        number: (value) => Tokenization.stringifyNumber(value),
      }),
    });
    this.handler = handler;
    this.operations = new MirrorOperations(this, { props, handler, mirrorName: this.mirrorName });
    this.alarms = this.operations.alarms;
    this.functionUrl = handler.addFunctionUrl({
      authType: lambda.FunctionUrlAuthType.AWS_IAM,
      invokeMode: lambda.InvokeMode.RESPONSE_STREAM,
    });

    const group = new origins.OriginGroup({
      primaryOrigin: origins.S3BucketOrigin.withOriginAccessControl(this.bucket, {
        originAccessLevels: [cloudfront.AccessLevel.READ, cloudfront.AccessLevel.LIST],
        originPath: this.keyPrefix === '' ? undefined : `/${this.keyPrefix.slice(0, -1)}`,
        originShieldRegion: props.originShieldRegion,
      }),
      fallbackOrigin: origins.FunctionUrlOrigin.withOriginAccessControl(this.functionUrl, {
        // A large object is stored before its redirect is sent, so the first byte can take a while.
        readTimeout: Duration.seconds(FUNCTION_URL_READ_TIMEOUT_SECONDS),
        // CloudFront retries a GET that timed out: each retry would fetch and store the whole object again.
        connectionAttempts: 1,
        originShieldRegion: props.originShieldRegion,
      }),
      fallbackStatusCodes: [...(props.fallbackStatusCodes ?? ORIGIN_PROP_DEFAULTS.fallbackStatusCodes)],
    });
    this.origin = new BindingOrigin(group, (bindScope, originId) => this.bindTo(bindScope, originId));
    registerInternals(this, { config, props, handler, handlerRole, bindings: this.bindings });

    this.variantFunction = this.newVariantFunction(config.variantQueryStrings);
    this.behaviorOptions = {
      allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD_OPTIONS,
      // OPTIONS answers vary with CORS request headers that are not in the cache key.
      cachedMethods: cloudfront.CachedMethods.CACHE_GET_HEAD,
      viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      compress: true,
      cachePolicy: props.cachePolicy ?? this.newCachePolicy(props),
      originRequestPolicy: this.newOriginRequestPolicy(props),
      responseHeadersPolicy: props.responseHeadersPolicy ?? (props.cors ? newCorsPolicy(this, props.cors) : undefined),
      functionAssociations: this.variantFunction
        ? [{ function: this.variantFunction, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST }]
        : undefined,
    };

    for (const [warningId, message] of originWarnings(props)) Annotations.of(this).addWarningV2(warningId, message);
    acknowledgeOriginFindings(this, { ownsBucket, keyPrefix: this.keyPrefix });
  }

  /**
   * Requests the handler served (misses in the bucket). Sum over 5 minutes.
   * @param outcome only those of this outcome, such as "stored", "waited" or "origin-error" (the list: docs/how-it-works.md#outcomes; another word fails)
   * @param props the statistic, period, label … to change
   */
  public metricMisses(outcome?: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.operations.metrics.misses(outcome, props);
  }

  /**
   * Bytes of the bodies received from the origin. Sum over 5 minutes.
   * @param props the statistic, period, label … to change
   */
  public metricBytesFromOrigin(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.operations.metrics.bytesFromOrigin(props);
  }

  /**
   * Milliseconds until the origin's response headers (its first-byte latency). Median (p50) over 5 minutes.
   * @param props the statistic, period, label … to change
   */
  public metricOriginLatency(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.operations.metrics.originLatency(props);
  }

  /**
   * Milliseconds from the first write to S3 to its confirmation. Median (p50) over 5 minutes.
   * @param props the statistic, period, label … to change
   */
  public metricStoreDuration(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.operations.metrics.storeDuration(props);
  }

  /** Called when a distribution binds `origin`: same stack only, and the distribution's needs checked at synth. */
  private bindTo(scope: Construct, primaryOriginId: string): void {
    const distribution = findDistribution(scope);
    if (!distribution) {
      throw validationError(this.node.path, ['origin can only be bound to a cloudfront.Distribution, got a binding under ' + scope.node.path]);
    }
    if (Stack.of(distribution) !== Stack.of(this)) {
      throw validationError(this.node.path, [`origin must be bound to a distribution in this mirror's stack (${Stack.of(this).node.path}), ` +
        `got ${distribution.node.path} in ${Stack.of(distribution).node.path}: the bucket policy and the function's permissions name the ` +
        'distribution while the distribution names the bucket and the function URL, a reference cycle between the stacks. ' +
        'Define the MirrorOrigin in the distribution\'s stack']);
    }
    // LIST access only exposes a listing at "/" of the default behaviour, and the check below requires a root object there.
    Annotations.of(scope).acknowledgeWarning('@aws-cdk/aws-cloudfront-origins:listBucketSecurityRisk',
      'cdk-mirror-origin checks at synth that a distribution whose default behaviour is a mirror sets defaultRootObject');
    const binding: MirrorBinding = { distribution, primaryOriginId, mirrorPath: this.node.path, variantFunction: this.variantFunction };
    this.bindings.push(binding);
    distribution.node.addValidation({ validate: () => bindingProblems(binding) });
  }

  /** A role that may only write the handler's logs and read and put objects under the key prefix: no list or delete. */
  private handlerRole(logGroup: logs.ILogGroup): iam.Role {
    const role = new iam.Role(this, 'HandlerRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'cdk-mirror-origin handler: writes its logs, reads and puts mirrored objects, holds leases, nothing else',
    });
    logGroup.grantWrite(role);
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      // PutObject covers the multipart calls (create, upload part, complete); abort cleans up a failed upload;
      // GetObject (HeadObject too) lets a single-flight waiter answer with what its holder stored.
      actions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'],
      resources: [this.bucket.arnForObjects(`${this.keyPrefix}*`)],
    }));
    // SSE-KMS: a put needs a data key, and a multipart upload decrypts it again for each part.
    this.bucket.encryptionKey?.grant(role, 'kms:GenerateDataKey', 'kms:Decrypt');
    return role;
  }

  /** The configuration the handler reads back with `fromEnvironment`. */
  private handlerConfig(props: MirrorOriginProps, leaseTableName: string): MirrorConfig {
    const d = ORIGIN_PROP_DEFAULTS;
    return {
      bucketName: this.bucket.bucketName,
      endpoint: props.endpoint,
      keyPrefix: this.keyPrefix,
      notFoundTtlSeconds: (props.notFoundTtl ?? d.notFoundTtl).toSeconds(),
      forwardHeaders: (props.forwardHeaders ?? []).map((name) => (Token.isUnresolved(name) ? name : name.toLowerCase())),
      originHeaders: { ...props.originHeaders },
      originResponseTimeoutMs: (props.originResponseTimeout ?? d.originResponseTimeout).toMilliseconds(),
      originIdleTimeoutMs: (props.originIdleTimeout ?? d.originIdleTimeout).toMilliseconds(),
      streamThresholdBytes: (props.streamThreshold ?? d.streamThreshold).toBytes(),
      maxObjectSizeBytes: (props.maxObjectSize ?? d.maxObjectSize).toBytes(),
      variantQueryStrings: [...(props.variantQueryStrings ?? [])],
      mirrorName: this.mirrorName,
      leaseTableName,
      leaseStaleMs: DEFAULTS.leaseStaleMs,
      leaseWaitMs: DEFAULTS.leaseWaitMs,
    };
  }

  /** With variant parameters, the viewer-request function that folds them into the URI before the cache and the origins see it. */
  private newVariantFunction(names: readonly string[]): cloudfront.IFunction | undefined {
    if (names.length === 0) return undefined;
    // Its size was checked with the props.
    return new cloudfront.Function(this, 'VariantFunction', {
      code: cloudfront.FunctionCode.fromInline(viewerRequestFunctionCode(names)),
      runtime: cloudfront.FunctionRuntime.JS_2_0,
      comment: 'cdk-mirror-origin: folds the variant query-string parameters into the path',
    });
  }

  /** The default cache policy: TTLs from the props, nothing from the request in the key but the path. */
  private newCachePolicy(props: MirrorOriginProps): cloudfront.CachePolicy {
    const maxTtl = props.maxTtl ?? ORIGIN_PROP_DEFAULTS.maxTtl;
    // CloudFront refuses compression settings on a policy that disables caching (max TTL 0).
    const compression = maxTtl.isUnresolved() || maxTtl.toSeconds() > 0;
    return new cloudfront.CachePolicy(this, 'CachePolicy', {
      comment: 'cdk-mirror-origin: path-only cache key',
      minTtl: props.minTtl ?? ORIGIN_PROP_DEFAULTS.minTtl,
      defaultTtl: props.defaultTtl ?? ORIGIN_PROP_DEFAULTS.defaultTtl,
      maxTtl,
      queryStringBehavior: cloudfront.CacheQueryStringBehavior.none(),
      cookieBehavior: cloudfront.CacheCookieBehavior.none(),
      headerBehavior: cloudfront.CacheHeaderBehavior.none(),
      enableAcceptEncodingGzip: compression,
      enableAcceptEncodingBrotli: compression,
    });
  }

  /**
   * A policy that forwards `forwardHeaders` (and, with `cors`, the headers S3 needs for a preflight); none without
   * them, since CloudFront then forwards nothing beyond the cache key (the function URL needs its own Host, which a
   * policy must never forward).
   */
  private newOriginRequestPolicy(props: MirrorOriginProps): cloudfront.IOriginRequestPolicy | undefined {
    const headers = originRequestHeaders(props);
    if (headers.length === 0) return undefined;
    return new cloudfront.OriginRequestPolicy(this, 'OriginRequestPolicy', {
      comment: 'cdk-mirror-origin: viewer headers the origins need',
      headerBehavior: cloudfront.OriginRequestHeaderBehavior.allowList(...headers),
      queryStringBehavior: cloudfront.OriginRequestQueryStringBehavior.none(),
      cookieBehavior: cloudfront.OriginRequestCookieBehavior.none(),
    });
  }
}

/** The bucket a mirror creates when none is given. */
function newMirrorBucket(scope: Construct): s3.Bucket {
  return new s3.Bucket(scope, 'Bucket', {
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    encryption: s3.BucketEncryption.S3_MANAGED,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    // The mirror may be the only copy left once the old origin is retired.
    removalPolicy: RemovalPolicy.RETAIN,
    // Parts of an upload the handler could not finish or abort (Lambda stopped it) would be billed forever.
    lifecycleRules: [{ id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) }],
  });
}

/** The origin group, telling its mirror where it is bound (the distribution binds an origin once, on first use). */
class BindingOrigin implements cloudfront.IOrigin {
  constructor(
    private readonly group: cloudfront.IOrigin,
    private readonly onBind: (scope: Construct, primaryOriginId: string) => void,
  ) {}

  public bind(scope: Construct, options: cloudfront.OriginBindOptions): cloudfront.OriginBindConfig {
    const config = this.group.bind(scope, options);
    this.onBind(scope, config.originProperty?.id ?? options.originId);
    return config;
  }
}
