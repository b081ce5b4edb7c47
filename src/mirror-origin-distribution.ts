import { Annotations, Duration, RemovalPolicy, Stack, Token, Tokenization } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledgeNagFindings } from './acknowledgements';
import { FUNCTION_URL_READ_TIMEOUT_SECONDS, MirrorConfig, toEnvironment } from './config';
import { MirrorFunction } from './handler/mirror-function';
import { MirrorOriginDistributionProps } from './props';
import {
  ORIGIN_REQUEST_POLICY_HEADER_QUOTA,
  PROP_DEFAULTS,
  WARNINGS,
  WARNING_IDS,
  memoryWarning,
  logBucketProblem,
  propsProblems,
  validationError,
  variantFunctionTooLarge,
} from './validation';
import { MAX_FUNCTION_CODE_BYTES, viewerRequestFunctionCode } from './variant/function-code';

/** The 4xx and 5xx statuses whose error-caching minimum TTL CloudFront lets a distribution set. */
const ERROR_CACHING_STATUS_CODES = [400, 403, 404, 405, 414, 416, 500, 501, 502, 503, 504];

/**
 * A CloudFront distribution that mirrors a third-party origin into S3: objects already in the bucket are
 * served from it; a miss (404 from S3) goes to a Lambda function URL that fetches the object from `endpoint`,
 * stores it in the bucket and answers the viewer.
 */
export class MirrorOriginDistribution extends Construct {
  /** The bucket that holds the mirror. */
  public readonly bucket: s3.IBucket;
  /** The fetch-and-store function. */
  public readonly handler: lambda.IFunction;
  /** The handler's function URL (AWS_IAM auth, response streaming), reachable only through the distribution. */
  public readonly functionUrl: lambda.IFunctionUrl;
  /** The CloudFront distribution viewers use. */
  public readonly distribution: cloudfront.Distribution;

  /**
   * Builds the mirror. A bad prop throws one error naming this construct's path and each bad prop.
   * @param scope the construct this one is defined in, usually a stack
   * @param id its id, unique within `scope`
   * @param props the origin to mirror (`endpoint`) and every other setting, each with a documented default
   */
  constructor(scope: Construct, id: string, props: MirrorOriginDistributionProps) {
    super(scope, id);
    const problems = propsProblems(props);
    if (problems.length > 0) throw validationError(this.node.path, problems);
    const logBucket = props.logBucket;
    if (logBucket) {
      // At synth, when the app has finished with the bucket (its ownership can still change after this line).
      this.node.addValidation({
        validate: () => {
          const problem = logBucketProblem(logBucket);
          return problem ? [problem] : [];
        },
      });
    }

    const keyPrefix = props.keyPrefix ?? '';
    const ownsBucket = props.bucket === undefined;
    this.bucket = props.bucket ?? new s3.Bucket(this, 'Bucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: s3.BucketEncryption.S3_MANAGED,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      // The mirror may be the only copy left once the old origin is retired.
      removalPolicy: RemovalPolicy.RETAIN,
      // Parts of an upload the handler could not finish or abort (Lambda stopped it) would be billed forever.
      lifecycleRules: [{ id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) }],
    });

    const logGroup = new logs.LogGroup(this, 'HandlerLogGroup', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      // The logs expire anyway; a retained group would outlive the stack with nothing writing to it.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const role = this.handlerRole(logGroup, keyPrefix);
    // One configuration for both sides: the handler reads it from its environment, and the variant
    // CloudFront Function gets its parameter list from the same object.
    const config = this.handlerConfig(props, keyPrefix);

    const handler = new MirrorFunction(this, 'Handler', {
      description: 'cdk-mirror-origin: fetches an object missing from the mirror, stores it in S3 and answers',
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? PROP_DEFAULTS.memorySize,
      timeout: props.handlerTimeout ?? PROP_DEFAULTS.handlerTimeout,
      reservedConcurrentExecutions: props.reservedConcurrency,
      role,
      logGroup,
      environment: toEnvironment(config, {
        json: (value) => Stack.of(this).toJsonString(value),
        number: (value) => Tokenization.stringifyNumber(value),
      }),
    });
    this.handler = handler;
    this.functionUrl = handler.addFunctionUrl({
      authType: lambda.FunctionUrlAuthType.AWS_IAM,
      invokeMode: lambda.InvokeMode.RESPONSE_STREAM,
    });

    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      defaultBehavior: {
        origin: new origins.OriginGroup({
          primaryOrigin: origins.S3BucketOrigin.withOriginAccessControl(this.bucket, {
            originAccessLevels: [cloudfront.AccessLevel.READ, cloudfront.AccessLevel.LIST],
            originPath: keyPrefix === '' ? undefined : `/${keyPrefix.slice(0, -1)}`,
          }),
          fallbackOrigin: origins.FunctionUrlOrigin.withOriginAccessControl(this.functionUrl, {
            // A large object is stored before its redirect is sent, so the first byte can take a while.
            readTimeout: Duration.seconds(FUNCTION_URL_READ_TIMEOUT_SECONDS),
            // CloudFront retries a GET that timed out: each retry would fetch and store the whole object again.
            connectionAttempts: 1,
          }),
          fallbackStatusCodes: [...(props.fallbackStatusCodes ?? PROP_DEFAULTS.fallbackStatusCodes)],
        }),
        allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD_OPTIONS,
        // OPTIONS answers vary with CORS request headers that are not in the cache key.
        cachedMethods: cloudfront.CachedMethods.CACHE_GET_HEAD,
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        compress: true,
        cachePolicy: props.cachePolicy ?? this.newCachePolicy(props),
        originRequestPolicy: this.newOriginRequestPolicy(props.forwardHeaders ?? []),
        responseHeadersPolicy: props.responseHeadersPolicy,
        functionAssociations: this.variantFunctionAssociations(config.variantQueryStrings),
      },
      defaultRootObject: props.defaultRootObject ?? PROP_DEFAULTS.defaultRootObject,
      // CloudFront caches 4xx and 5xx answers for at least 10 s, `no-store` or not, unless told otherwise per
      // status: with 0 the answers' own Cache-Control decides (no-store: not cached; 404/410: notFoundTtl).
      errorResponses: ERROR_CACHING_STATUS_CODES.map((httpStatus) => ({ httpStatus, ttl: Duration.seconds(0) })),
      domainNames: props.domainNames,
      certificate: props.certificate,
      // Without a certificate CloudFront's own policy applies and CDK would warn that the setting is ignored.
      minimumProtocolVersion: props.certificate
        ? props.minimumProtocolVersion ?? cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021
        : props.minimumProtocolVersion,
      priceClass: props.priceClass ?? cloudfront.PriceClass.PRICE_CLASS_ALL,
      httpVersion: props.httpVersion ?? cloudfront.HttpVersion.HTTP2_AND_3,
      webAclId: props.webAclId,
      geoRestriction: props.geoRestriction,
      enableLogging: props.enableLogging,
      logBucket: props.logBucket ?? (props.enableLogging ? this.newLogBucket() : undefined),
      logFilePrefix: props.logFilePrefix,
      comment: props.comment ?? defaultComment(props.endpoint),
    });

    // defaultRootObject is always set (validated non-empty), so LIST access never exposes a listing at "/".
    Annotations.of(this.distribution).acknowledgeWarning('@aws-cdk/aws-cloudfront-origins:listBucketSecurityRisk',
      'defaultRootObject is always set, so "/" never lists the bucket');
    this.warnAboutMinTtl(props);
    const memory = memoryWarning(props.streamThreshold ?? PROP_DEFAULTS.streamThreshold, props.maxObjectSize ?? PROP_DEFAULTS.maxObjectSize,
      props.memorySize ?? PROP_DEFAULTS.memorySize);
    if (memory) Annotations.of(this).addWarningV2(WARNING_IDS.memory, memory);
    const forwardHeaderCount = props.forwardHeaders?.length ?? 0;
    if (forwardHeaderCount > ORIGIN_REQUEST_POLICY_HEADER_QUOTA) {
      Annotations.of(this).addWarningV2(WARNING_IDS.forwardHeadersQuota, WARNINGS.forwardHeadersQuota(forwardHeaderCount));
    }
    acknowledgeNagFindings(this, { ownsBucket, keyPrefix, props });
  }

  /** A role that may only write the handler's logs and put objects under the key prefix: no read, list or delete. */
  private handlerRole(logGroup: logs.ILogGroup, keyPrefix: string): iam.Role {
    const role = new iam.Role(this, 'HandlerRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'cdk-mirror-origin handler: writes its logs and puts mirrored objects, nothing else',
    });
    logGroup.grantWrite(role);
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      // PutObject covers the multipart calls (create, upload part, complete); abort cleans up a failed upload.
      actions: ['s3:PutObject', 's3:AbortMultipartUpload'],
      resources: [this.bucket.arnForObjects(`${keyPrefix}*`)],
    }));
    // SSE-KMS: a put needs a data key, and a multipart upload decrypts it again for each part.
    this.bucket.encryptionKey?.grant(role, 'kms:GenerateDataKey', 'kms:Decrypt');
    return role;
  }

  /** The configuration the handler reads back with `fromEnvironment`. */
  private handlerConfig(props: MirrorOriginDistributionProps, keyPrefix: string): MirrorConfig {
    const d = PROP_DEFAULTS;
    return {
      bucketName: this.bucket.bucketName,
      endpoint: props.endpoint,
      keyPrefix,
      notFoundTtlSeconds: (props.notFoundTtl ?? d.notFoundTtl).toSeconds(),
      forwardHeaders: (props.forwardHeaders ?? []).map((name) => (Token.isUnresolved(name) ? name : name.toLowerCase())),
      originHeaders: { ...props.originHeaders },
      originResponseTimeoutMs: (props.originResponseTimeout ?? d.originResponseTimeout).toMilliseconds(),
      originIdleTimeoutMs: (props.originIdleTimeout ?? d.originIdleTimeout).toMilliseconds(),
      streamThresholdBytes: (props.streamThreshold ?? d.streamThreshold).toBytes(),
      maxObjectSizeBytes: (props.maxObjectSize ?? d.maxObjectSize).toBytes(),
      variantQueryStrings: [...(props.variantQueryStrings ?? [])],
    };
  }

  /** With variant parameters, the viewer-request function that folds them into the URI before the cache and the origins see it. */
  private variantFunctionAssociations(names: readonly string[]): cloudfront.FunctionAssociation[] | undefined {
    if (names.length === 0) return undefined;
    const code = viewerRequestFunctionCode(names);
    const bytes = Buffer.byteLength(code, 'utf8');
    if (bytes > MAX_FUNCTION_CODE_BYTES) throw validationError(this.node.path, [variantFunctionTooLarge(bytes, MAX_FUNCTION_CODE_BYTES)]);
    const fn = new cloudfront.Function(this, 'VariantFunction', {
      code: cloudfront.FunctionCode.fromInline(code),
      runtime: cloudfront.FunctionRuntime.JS_2_0,
      comment: 'cdk-mirror-origin: folds the variant query-string parameters into the path',
    });
    return [{ function: fn, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST }];
  }

  /** The default cache policy: TTLs from the props, nothing from the request in the key but the path. */
  private newCachePolicy(props: MirrorOriginDistributionProps): cloudfront.CachePolicy {
    const maxTtl = props.maxTtl ?? PROP_DEFAULTS.maxTtl;
    // CloudFront refuses compression settings on a policy that disables caching (max TTL 0).
    const compression = maxTtl.isUnresolved() || maxTtl.toSeconds() > 0;
    return new cloudfront.CachePolicy(this, 'CachePolicy', {
      comment: 'cdk-mirror-origin: path-only cache key',
      minTtl: props.minTtl ?? PROP_DEFAULTS.minTtl,
      defaultTtl: props.defaultTtl ?? PROP_DEFAULTS.defaultTtl,
      maxTtl,
      queryStringBehavior: cloudfront.CacheQueryStringBehavior.none(),
      cookieBehavior: cloudfront.CacheCookieBehavior.none(),
      headerBehavior: cloudfront.CacheHeaderBehavior.none(),
      enableAcceptEncodingGzip: compression,
      enableAcceptEncodingBrotli: compression,
    });
  }

  /**
   * A policy that forwards only `forwardHeaders`; none without them, since CloudFront then forwards nothing
   * beyond the cache key (the function URL needs its own Host, which a policy must never forward).
   */
  private newOriginRequestPolicy(forwardHeaders: readonly string[]): cloudfront.IOriginRequestPolicy | undefined {
    if (forwardHeaders.length === 0) return undefined;
    return new cloudfront.OriginRequestPolicy(this, 'OriginRequestPolicy', {
      comment: 'cdk-mirror-origin: viewer headers the origin needs',
      headerBehavior: cloudfront.OriginRequestHeaderBehavior.allowList(...forwardHeaders),
      queryStringBehavior: cloudfront.OriginRequestQueryStringBehavior.none(),
      cookieBehavior: cloudfront.OriginRequestCookieBehavior.none(),
    });
  }

  /** A private bucket for CloudFront's standard logs, which are written through ACLs. */
  private newLogBucket(): s3.Bucket {
    return new s3.Bucket(this, 'LogBucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: s3.BucketEncryption.S3_MANAGED,
      objectOwnership: s3.ObjectOwnership.OBJECT_WRITER,
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  /** A cached redirect to the same URL loops, so any minimum TTL above 0 deserves a warning. */
  private warnAboutMinTtl(props: MirrorOriginDistributionProps): void {
    if (props.cachePolicy) {
      const seconds = minTtlSecondsOf(props.cachePolicy);
      if (seconds !== 0) Annotations.of(this).addWarningV2(WARNING_IDS.cachePolicyMinTtl, WARNINGS.cachePolicyMinTtl(seconds));
      return;
    }
    const minTtl = props.minTtl;
    if (minTtl && !minTtl.isUnresolved() && minTtl.toSeconds() > 0) {
      Annotations.of(this).addWarningV2(WARNING_IDS.minTtl, WARNINGS.minTtl(minTtl.toSeconds()));
    }
  }
}

/**
 * Minimum TTLs of CloudFront's managed cache policies, by ID, as the CloudFront Developer Guide lists them
 * ("Use managed cache policies"). A managed policy not listed here cannot be checked.
 */
const MANAGED_CACHE_POLICY_MIN_TTL_SECONDS: ReadonlyMap<string, number> = new Map([
  ['658327ea-f89d-4fab-a63d-7e88639e58f6', 1], // CachingOptimized
  ['b2884449-e4de-46a7-ac36-70bc7f1ddd6d', 1], // CachingOptimizedForUncompressedObjects
  ['4135ea2d-6df8-44a3-9df3-4b5a84be39ad', 0], // CachingDisabled
  ['08627262-05a9-4f76-9ded-b50ca2e3a84f', 0], // Elemental-MediaPackage
  ['2e54312d-136d-493c-8eb9-b001f22f67d2', 2], // Amplify
]);

/** The minimum TTL of a managed cache policy or one defined in the app, or undefined when it cannot be known at synth. */
function minTtlSecondsOf(policy: cloudfront.ICachePolicy): number | undefined {
  const managed = MANAGED_CACHE_POLICY_MIN_TTL_SECONDS.get(policy.cachePolicyId);
  if (managed !== undefined) return managed;
  const resource = Construct.isConstruct(policy) ? policy.node.defaultChild : undefined;
  if (!(resource instanceof cloudfront.CfnCachePolicy)) return undefined;
  const config = Stack.of(resource).resolve(resource.cachePolicyConfig);
  const minTtl: unknown = config?.minTtl;
  return typeof minTtl === 'number' ? minTtl : undefined;
}

/** "Mirror of <endpoint>", within CloudFront's 128 characters; none when the endpoint is a token. */
function defaultComment(endpoint: string): string | undefined {
  if (Token.isUnresolved(endpoint)) return undefined;
  const comment = `Mirror of ${endpoint}`;
  return comment.length <= 128 ? comment : `${comment.slice(0, 125)}...`;
}
