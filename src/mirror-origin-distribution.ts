import { RemovalPolicy, Token } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledgeDistributionFindings } from './acknowledgements';
import { DISTRIBUTION_PROP_DEFAULTS } from './defaults';
import { distributionPropsProblems, logBucketProblem } from './distribution-validation';
import { MirrorOriginDashboard } from './metrics/dashboard';
import { mirrorHitRatio } from './metrics/distribution-metrics';
import { MirrorOrigin } from './mirror-origin';
import type { MirrorOriginDistributionProps, MirrorOriginProps } from './props';
import { originPropsProblems, validationError } from './validation';

/**
 * A CloudFront distribution that mirrors a third-party origin into S3: objects already in the bucket are
 * served from it; a miss (404 from S3) goes to a Lambda function URL that fetches the object from `endpoint`,
 * stores it in the bucket and answers the viewer. Its default behaviour is one `MirrorOrigin` (`mirror`);
 * `addMirror()` puts another origin on a path pattern.
 */
export class MirrorOriginDistribution extends Construct {
  /** The default behaviour's mirror. */
  public readonly mirror: MirrorOrigin;
  /** The default mirror's bucket (shared by `addMirror()` mirrors that bring none). */
  public readonly bucket: s3.IBucket;
  /** The default mirror's fetch-and-store function. */
  public readonly handler: lambda.IFunction;
  /** The default mirror's function URL (AWS_IAM auth, response streaming), reachable only through the distribution. */
  public readonly functionUrl: lambda.IFunctionUrl;
  /** The CloudFront distribution viewers use. */
  public readonly distribution: cloudfront.Distribution;
  /** The dashboard, with `dashboard: true`. */
  public readonly dashboard?: MirrorOriginDashboard;

  private readonly mirrors = new Map<string, MirrorOrigin>();
  /** How many mirrors the first `metricMirrorHitRatio()` counted: a mirror added after it would be left out. */
  private hitRatioMirrorCount?: number;

  /**
   * Builds the distribution and its default mirror. A bad prop throws one error naming this construct's path and
   * each bad prop.
   * @param scope the construct this one is defined in, usually a stack
   * @param id its id, unique within `scope`
   * @param props the origin to mirror (`endpoint`) and every other setting, each with a documented default
   */
  constructor(scope: Construct, id: string, props: MirrorOriginDistributionProps) {
    super(scope, id);
    const problems = [...originPropsProblems(props), ...distributionPropsProblems(props)];
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

    this.mirror = new MirrorOrigin(this, 'Default', props);
    this.bucket = this.mirror.bucket;
    this.handler = this.mirror.handler;
    this.functionUrl = this.mirror.functionUrl;

    const d = DISTRIBUTION_PROP_DEFAULTS;
    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      defaultBehavior: { origin: this.mirror.origin, ...this.mirror.behaviorOptions },
      defaultRootObject: props.defaultRootObject ?? d.defaultRootObject,
      errorResponses: MirrorOrigin.errorResponses(),
      domainNames: props.domainNames,
      certificate: props.certificate,
      // Without a certificate CloudFront's own policy applies and CDK would warn that the setting is ignored.
      minimumProtocolVersion: props.certificate ? props.minimumProtocolVersion ?? d.minimumProtocolVersion : props.minimumProtocolVersion,
      priceClass: props.priceClass ?? d.priceClass,
      httpVersion: props.httpVersion ?? d.httpVersion,
      webAclId: props.webAclId,
      geoRestriction: props.geoRestriction,
      // A logBucket alone turns logging on.
      enableLogging: props.enableLogging ?? (props.logBucket !== undefined || d.enableLogging),
      logBucket: props.logBucket ?? (props.enableLogging ? this.newLogBucket() : undefined),
      logFilePrefix: props.logFilePrefix,
      comment: props.comment ?? defaultComment(props.endpoint),
    });
    acknowledgeDistributionFindings(this, this.distribution, props);
    if (props.dashboard ?? d.dashboard) {
      this.dashboard = new MirrorOriginDashboard(this, 'Dashboard', { mirrors: [this.mirror], distribution: this.distribution });
    }
  }

  /** Every mirror's alarms: the default mirror's, then those of each `addMirror()` mirror. */
  public get alarms(): cloudwatch.AlarmBase[] {
    return [this.mirror, ...this.mirrors.values()].flatMap((mirror) => mirror.alarms);
  }

  /**
   * The share of the distribution's requests served without any mirror's handler, in percent: 100 × (1 − (the
   * handlers' invocations + throttles) ÷ CloudFront requests). CloudFront's metrics are in us-east-1, so this is for
   * graphs (CloudWatch refuses alarms across regions). Call it after the last `addMirror()`: it counts the mirrors so far,
   * and synth fails if a mirror is added after it.
   * @param props the period (default 5 minutes), label … to change
   */
  public metricMirrorHitRatio(props?: cloudwatch.MathExpressionOptions): cloudwatch.MathExpression {
    if (this.hitRatioMirrorCount === undefined) {
      this.hitRatioMirrorCount = 1 + this.mirrors.size;
      this.node.addValidation({ validate: () => this.hitRatioProblems() });
    }
    return mirrorHitRatio(this.distribution, [this.mirror, ...this.mirrors.values()].map((mirror) => mirror.handler), props);
  }

  /** A mirror added after the hit ratio was built: its misses would count as hits. */
  private hitRatioProblems(): string[] {
    const late = [...this.mirrors.keys()].slice(this.hitRatioMirrorCount! - 1);
    return late.length === 0 ? [] : [`metricMirrorHitRatio() was called before addMirror(${late.map((p) => `'${p}'`).join(', ')}): ` +
      'the hit ratio would count that mirror\'s misses as hits; call metricMirrorHitRatio() after the last addMirror()'];
  }

  /**
   * The default mirror's misses (`MirrorOrigin.metricMisses`).
   * @param outcome only those of this outcome (docs/how-it-works.md#outcomes)
   * @param props the statistic, period, label … to change
   */
  public metricMisses(outcome?: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.mirror.metricMisses(outcome, props);
  }

  /**
   * The default mirror's bytes from the origin (`MirrorOrigin.metricBytesFromOrigin`).
   * @param props the statistic, period, label … to change
   */
  public metricBytesFromOrigin(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.mirror.metricBytesFromOrigin(props);
  }

  /**
   * The default mirror's origin first-byte latency (`MirrorOrigin.metricOriginLatency`).
   * @param props the statistic, period, label … to change
   */
  public metricOriginLatency(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.mirror.metricOriginLatency(props);
  }

  /**
   * The default mirror's time to store (`MirrorOrigin.metricStoreDuration`).
   * @param props the statistic, period, label … to change
   */
  public metricStoreDuration(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.mirror.metricStoreDuration(props);
  }

  /**
   * Mirrors another origin on a path pattern of this distribution, such as `/legacy/*`. The whole viewer path is the
   * key and the path asked of the origin: `/legacy/a.png` is stored as `legacy/a.png` and fetched from
   * `<endpoint>/legacy/a.png`.
   * @param pathPattern the behaviour's path pattern (not `*`, which is the default mirror's)
   * @param props the mirror's settings; without `bucket` it shares the default mirror's bucket
   * @returns the new mirror
   */
  public addMirror(pathPattern: string, props: MirrorOriginProps): MirrorOrigin {
    if (Token.isUnresolved(pathPattern)) throw validationError(this.node.path, ['addMirror pathPattern must be a plain string, not a token']);
    if (pathPattern === '*') throw validationError(this.node.path, ['addMirror pathPattern "*" is the default mirror\'s: give another pattern']);
    const taken = this.mirrors.get(pathPattern);
    if (taken) throw validationError(this.node.path, [`addMirror pathPattern "${pathPattern}" already has a mirror (${taken.node.path})`]);
    const mirror = new MirrorOrigin(this, mirrorId(this, pathPattern), { ...props, bucket: props.bucket ?? this.bucket });
    this.distribution.addBehavior(pathPattern, mirror.origin, mirror.behaviorOptions);
    this.mirrors.set(pathPattern, mirror);
    this.dashboard?.addMirror(mirror);
    return mirror;
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
}

/** A construct id for the mirror of `pathPattern`: its letters and digits ("/legacy/*" → "MirrorLegacy"), unique in `scope`. */
function mirrorId(scope: Construct, pathPattern: string): string {
  const words = pathPattern.split(/[^A-Za-z0-9]+/).filter(Boolean).map((w) => w[0].toUpperCase() + w.slice(1));
  const base = `Mirror${words.join('')}`;
  let id = base;
  for (let n = 2; scope.node.tryFindChild(id); n++) id = `${base}${n}`;
  return id;
}

/** "Mirror of <endpoint>", within CloudFront's 128 characters; none when the endpoint is a token. */
function defaultComment(endpoint: string): string | undefined {
  if (Token.isUnresolved(endpoint)) return undefined;
  const comment = `Mirror of ${endpoint}`;
  return comment.length <= 128 ? comment : `${comment.slice(0, 125)}...`;
}
