import { Duration, Lazy, RemovalPolicy, Stack, Tokenization } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { STEPFUNCTIONS_USE_DISTRIBUTED_MAP_RESULT_WRITER_V2 } from 'aws-cdk-lib/cx-api';
import { Construct } from 'constructs';
import { toEnvironment } from '../config';
import { JOBS_PROP_DEFAULTS, ORIGIN_PROP_DEFAULTS } from '../defaults';
import { bindingRoutes } from '../distribution-requirements';
import { internalsOf, MirrorInternals } from '../internals';
import { MirrorMetrics } from '../metrics/mirror-metrics';
import type { MirrorOrigin } from '../mirror-origin';
import { validationError } from '../validation';
import { itemEnvironment, JobsDistribution, KeySpace, runEnvironment } from './config';
import { jobsDefinition } from './definition';
import { acknowledgeJobsFindings } from './nag';
import type { MirrorJobsProps } from './props';
import { ItemFunction } from './runtime/item-function';
import { RunFunction } from './runtime/run-function';
import { jobsPropsProblems } from './validation';

/**
 * The migration jobs of one mirror, on Step Functions Distributed Map: a state machine that runs, for every key of a
 * manifest (or of the mirror's own bucket), one of three modes given in the execution input: `prewarm` (fetch and
 * store what the bucket lacks), `coverage` (what it lacks, without asking the origin) or `refresh` (replace what
 * changed at the origin, and invalidate it). Each key goes through the same fetch-and-store core as a viewer's miss.
 * A run ends with a summary (its output, and `summary.json`) and a CSV of the keys that need more.
 *
 * Start a run: `aws stepfunctions start-execution --state-machine-arn <arn> --input '{"mode":"prewarm","manifest":{"key":"keys.txt","format":"keys"}}'`.
 */
export class MirrorJobs extends Construct {
  /** The state machine a run is an execution of. */
  public readonly stateMachine: sfn.StateMachine;
  /** Where each run writes its result files, summary and CSV (under `reportsPrefix`). */
  public readonly reportsBucket: s3.IBucket;
  /** The bucket manifests are read from. */
  public readonly manifestBucket: s3.IBucket;
  /** The function Distributed Map runs each batch of items with. */
  public readonly itemFunction: lambda.IFunction;
  /** The prefix of every report. */
  public readonly reportsPrefix: string;

  private readonly metrics: MirrorMetrics;

  /**
   * Builds the jobs. A bad prop throws one error naming this construct's path and each bad prop; a mirror that is not
   * bound to a distribution at synth fails it.
   * @param scope the construct this one is defined in, in the mirror's stack
   * @param id its id, unique within `scope`
   * @param props the mirror (`mirror`) and every other setting, each with a documented default
   */
  constructor(scope: Construct, id: string, props: MirrorJobsProps) {
    super(scope, id);
    // Before any child: Distributed Map renders its result writer only under this flag, whatever the app sets.
    this.node.setContext(STEPFUNCTIONS_USE_DISTRIBUTED_MAP_RESULT_WRITER_V2, true);
    const problems = jobsPropsProblems(props);
    const internals = mirrorInternals(props);
    if (!internals) problems.push(`mirror must be a MirrorOrigin (for a MirrorOriginDistribution, its mirror), got ${props.mirror?.node?.path ?? String(props.mirror)}`);
    else if (Stack.of(props.mirror) !== Stack.of(this)) problems.push(`mirror must be in this construct's stack (${Stack.of(this).node.path}), got one in ${Stack.of(props.mirror).node.path}`);
    if (problems.length > 0 || !internals) throw validationError(this.node.path, problems);

    const mirror = props.mirror;
    this.metrics = new MirrorMetrics(mirror.mirrorName, this.node.path);
    const d = JOBS_PROP_DEFAULTS;
    const ownsReportsBucket = props.reportsBucket === undefined;
    this.reportsPrefix = props.reportsPrefix ?? d.reportsPrefix;
    this.reportsBucket = props.reportsBucket ?? newReportsBucket(this, props.reportsExpiration ?? d.reportsExpiration);
    this.manifestBucket = props.manifestBucket ?? this.reportsBucket;
    // At synth: the user may bind the mirror after making its jobs.
    this.node.addValidation({
      validate: () => (internals.bindings.length > 0 ? [] : [`[${this.node.path}] mirror ${mirror.node.path} must be bound to a distribution ` +
        '(distribution.addBehavior(pattern, mirror.origin, mirror.behaviorOptions)): a run walks the paths it serves and invalidates what refresh changes there']),
    });

    const stack = Stack.of(this);
    // Jobs take no lease (a job's fetch is one per key already; a viewer's concurrent miss costs at most one more).
    const mirrorEnvironment = toEnvironment({ ...internals.config, leaseTableName: '' }, {
      json: (value) => stack.toJsonString(value),
      number: (value) => Tokenization.stringifyNumber(value),
    });
    // Bindings may be added after this construct: read at synth.
    const served = Lazy.string({ produce: () => JSON.stringify(internals.bindings.map(bindingRoutes)) });
    // Mirrors may share the bucket through addMirror after this construct: found at synth, too.
    const others = Lazy.string({ produce: () => stack.toJsonString(otherKeySpaces(mirror)) });
    const distributions = Lazy.string({ produce: () => stack.toJsonString(jobsDistributions(internals)) });
    const logRetention = internals.props.logRetention ?? ORIGIN_PROP_DEFAULTS.logRetention;

    const itemRole = this.itemRole(mirror);
    const itemFunction = new ItemFunction(this, 'ItemFunction', {
      description: 'cdk-mirror-origin jobs: runs one batch of keys (prewarm, coverage, refresh) through the fetch-and-store core',
      architecture: lambda.Architecture.ARM_64,
      memorySize: internals.props.memorySize ?? ORIGIN_PROP_DEFAULTS.memorySize,
      // Large objects: the batch stops taking items before this runs out, and reports the rest `deadline`.
      timeout: Duration.minutes(15),
      role: itemRole,
      logGroup: newLogGroup(this, 'ItemLogGroup', logRetention, itemRole),
      environment: { ...mirrorEnvironment, ...itemEnvironment(served, others) },
    });
    this.itemFunction = itemFunction;

    const runRole = this.runRole(internals);
    const runFunction = new RunFunction(this, 'RunFunction', {
      description: 'cdk-mirror-origin jobs: prepares a run\'s items, summarises its results, invalidates what refresh changed',
      architecture: lambda.Architecture.ARM_64,
      memorySize: 1024,
      timeout: Duration.minutes(15),
      role: runRole,
      logGroup: newLogGroup(this, 'RunLogGroup', logRetention, runRole),
      environment: {
        ...mirrorEnvironment,
        ...itemEnvironment(served, others),
        ...runEnvironment({
          reportsBucket: this.reportsBucket.bucketName,
          reportsPrefix: this.reportsPrefix,
          manifestBucket: this.manifestBucket.bucketName,
        }, distributions),
      },
    });

    const stateMachineLogs = new logs.LogGroup(this, 'StateMachineLogGroup', { retention: logRetention, removalPolicy: RemovalPolicy.DESTROY });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      comment: `cdk-mirror-origin: prewarm, coverage and refresh of ${mirror.node.path}`,
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromChainable(jobsDefinition(this, {
        itemFunction,
        runFunction,
        reportsBucket: this.reportsBucket,
        manifestBucket: this.manifestBucket,
        mirrorBucket: mirror.bucket,
        keyPrefix: mirror.keyPrefix,
        maxConcurrency: props.maxConcurrency ?? d.maxConcurrency,
        batchSize: props.batchSize ?? d.batchSize,
        toleratedFailurePercentage: props.toleratedFailurePercentage ?? d.toleratedFailurePercentage,
      })),
      logs: { destination: stateMachineLogs, level: sfn.LogLevel.ERROR },
    });
    acknowledgeJobsFindings(this, { ownsReportsBucket, mirror, reportsPrefix: this.reportsPrefix });
  }

  /**
   * Bytes the jobs fetched from the origin: the mirror's `BytesFromOrigin` metric with the `Job` dimension, apart from
   * the viewer path's (`MirrorOrigin.metricBytesFromOrigin()`), which the origin budget reads. Sum over 5 minutes.
   * @param mode `prewarm` or `refresh` for that mode's alone (coverage fetches nothing); default: both, summed
   * @param props the statistic, period, label … to change
   */
  public metricBytesFromOrigin(mode?: string, props?: cloudwatch.MetricOptions): cloudwatch.IMetric {
    return this.metrics.jobBytesFromOrigin(mode, props);
  }

  /** Reads and writes objects under the mirror's prefix (HeadObject, a missing key's 404 through ListBucket); nothing else. */
  private itemRole(mirror: MirrorOrigin): iam.Role {
    const role = new iam.Role(this, 'ItemRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'cdk-mirror-origin jobs item function: reads and puts the mirror\'s objects, nothing else',
    });
    const objects = mirror.bucket.arnForObjects(`${mirror.keyPrefix}*`);
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'], resources: [objects] }));
    // Without it S3 answers 403 for a missing key, which is neither `missing` nor safe to fetch.
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [mirror.bucket.bucketArn] }));
    mirror.bucket.encryptionKey?.grant(role, 'kms:GenerateDataKey', 'kms:Decrypt');
    return role;
  }

  /** Reads manifests; reads and writes the reports; creates invalidations in the mirror's distribution(s). */
  private runRole(internals: MirrorInternals): iam.Role {
    const role = new iam.Role(this, 'RunRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'cdk-mirror-origin jobs run function: reads manifests, writes reports, invalidates what refresh changed',
    });
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [this.manifestBucket.arnForObjects('*')] }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'],
      resources: [this.reportsBucket.arnForObjects(`${this.reportsPrefix}*`)],
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [this.reportsBucket.bucketArn] }));
    this.manifestBucket.encryptionKey?.grant(role, 'kms:Decrypt');
    this.reportsBucket.encryptionKey?.grant(role, 'kms:GenerateDataKey', 'kms:Decrypt');
    // Only the distributions the mirror is bound to, known at synth.
    new iam.CfnPolicy(this, 'InvalidationPolicy', {
      policyName: `${Stack.of(this).stackName}-${this.node.addr}`.slice(0, 128),
      roles: [role.roleName],
      policyDocument: Lazy.any({
        produce: () => ({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 'cloudfront:CreateInvalidation', Resource: internals.bindings.map((b) => b.distribution.distributionArn) }],
        }),
      }),
    });
    return role;
  }
}

/** The internals of the mirror, or undefined when it is not a `MirrorOrigin`. */
function mirrorInternals(props: MirrorJobsProps): MirrorInternals | undefined {
  try {
    return internalsOf(props.mirror);
  } catch {
    return undefined;
  }
}

/** The key spaces of the app's other mirrors that store into `mirror`'s bucket (the same bucket construct or name). */
function otherKeySpaces(mirror: MirrorOrigin): KeySpace[] {
  const stack = Stack.of(mirror);
  const bucketName = JSON.stringify(stack.resolve(mirror.bucket.bucketName));
  const spaces: KeySpace[] = [];
  for (const construct of mirror.node.root.node.findAll()) {
    if (construct === mirror) continue;
    let other: MirrorInternals;
    try {
      other = internalsOf(construct);
    } catch {
      continue;
    }
    const bucket = (construct as MirrorOrigin).bucket;
    const shared = bucket === mirror.bucket || (Stack.of(construct) === stack && JSON.stringify(stack.resolve(bucket.bucketName)) === bucketName);
    if (!shared) continue;
    const { keyPrefix, variantQueryStrings } = other.config;
    spaces.push({ keyPrefix, variantQueryStrings, served: other.bindings.map(bindingRoutes) });
  }
  return spaces;
}

/** Each distribution the mirror is bound to, with its path patterns as invalidation wildcards. */
function jobsDistributions(internals: MirrorInternals): JobsDistribution[] {
  return internals.bindings.map((binding) => {
    const routes = bindingRoutes(binding);
    const wildcards = [...(routes.defaultMine ? ['/*'] : []), ...routes.patterns.filter((p) => p.mine).map((p) => (p.pattern.startsWith('/') ? p.pattern : `/${p.pattern}`))];
    return { id: binding.distribution.distributionId, wildcards };
  });
}

/** The reports bucket the construct creates: private, encrypted, SSL only, its reports expiring. */
function newReportsBucket(scope: Construct, expiration: Duration): s3.Bucket {
  return new s3.Bucket(scope, 'ReportsBucket', {
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    encryption: s3.BucketEncryption.S3_MANAGED,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    // A bucket that still holds reports cannot be deleted with the stack; they expire on their own.
    removalPolicy: RemovalPolicy.RETAIN,
    lifecycleRules: [
      { id: 'expire-reports', expiration },
      { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
    ],
  });
}

/** A function's log group, deleted with the stack (the logs expire anyway). */
function newLogGroup(scope: Construct, id: string, retention: logs.RetentionDays, role: iam.IRole): logs.LogGroup {
  const group = new logs.LogGroup(scope, id, { retention, removalPolicy: RemovalPolicy.DESTROY });
  group.grantWrite(role);
  return group;
}
