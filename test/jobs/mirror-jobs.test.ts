/**
 * The jobs' template: a Distributed Map state machine that asl-validator accepts, with the readers, the result
 * writer, the concurrency and the tolerated failures as configured (asl-validator accepts much Step Functions
 * refuses, so each is asserted too); the result writer rendered whatever the app's feature flag says; the item
 * function with the mirror's configuration and its own role; the handler's permissions untouched; bad props.
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { STEPFUNCTIONS_USE_DISTRIBUTED_MAP_RESULT_WRITER_V2 } from 'aws-cdk-lib/cx-api';
import { MirrorJobs, MirrorJobsProps, MirrorOrigin, MirrorOriginDistribution } from '../../src';
import { ENVIRONMENT_VARIABLES } from '../../src/config';
import { JOBS_ENVIRONMENT_VARIABLES } from '../../src/jobs/config';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const aslValidator = require('asl-validator') as (definition: unknown) => { isValid: boolean; errorsText: (separator?: string) => string };

interface Built {
  readonly stack: Stack;
  readonly mirror: MirrorOriginDistribution;
  readonly jobs: MirrorJobs;
  readonly template: Template;
}

/** A stack with a mirror distribution and its jobs ("Stack/Jobs"); `context` is the app's. */
function build(props: Partial<MirrorJobsProps> = {}, context: Record<string, unknown> = {}): Built {
  const app = new App({ context });
  const stack = new Stack(app, 'Stack');
  const mirror = new MirrorOriginDistribution(stack, 'Mirror', { endpoint: 'https://example.com/base' });
  const jobs = new MirrorJobs(stack, 'Jobs', { mirror: mirror.mirror, ...props });
  return { stack, mirror, jobs, template: Template.fromStack(stack) };
}

/** The state machine's definition with every token replaced by a value of its kind (an ARN where one is expected). */
function definition(template: Template): any {
  const [machine] = Object.values(template.findResources('AWS::StepFunctions::StateMachine')) as any[];
  const value = (part: any): string => {
    if (typeof part === 'string') return part;
    if (part.Ref === 'AWS::Partition') return 'aws';
    if (part.Ref) return `ref-${part.Ref.toLowerCase()}`;
    if (part['Fn::GetAtt']) return `arn:aws:lambda:us-east-1:123456789012:function:${part['Fn::GetAtt'][0]}`;
    throw new Error(`unexpected token ${JSON.stringify(part)}`);
  };
  const body = machine.Properties.DefinitionString;
  return JSON.parse(typeof body === 'string' ? body : body['Fn::Join'][1].map(value).join(''));
}

/** The Map states of a definition, by name. */
function mapStates(def: any): Record<string, any> {
  return Object.fromEntries(Object.entries(def.States).filter(([, state]: [string, any]) => state.Type === 'Map')) as Record<string, any>;
}

describe('the state machine', () => {
  const { template } = build({ maxConcurrency: 7, toleratedFailurePercentage: 3, batchSize: 50 });
  const def = definition(template);

  test('passes asl-validator', () => {
    // The validator adds each state's query language to what it is given.
    const result = aslValidator(JSON.parse(JSON.stringify(def)));
    expect(result.errorsText()).toBe('');
    expect(result.isValid).toBe(true);
  });

  test('the check can fail: asl-validator refuses a Map state without its processor', () => {
    const broken = JSON.parse(JSON.stringify(def));
    delete broken.States['Run Items'].ItemProcessor;
    expect(aslValidator(broken).isValid).toBe(false);
  });

  test('one Distributed Map state per item reader: JSONL items, an S3 Inventory manifest, the bucket\'s listing', () => {
    const maps = mapStates(def);
    expect(Object.keys(maps).sort()).toEqual(['Run Inventory', 'Run Items', 'Run Listing']);
    expect(maps['Run Items'].ItemReader).toEqual({
      Resource: 'arn:aws:states:::s3:getObject', ReaderConfig: { InputType: 'JSONL' }, Parameters: { 'Bucket': expect.stringMatching(/^ref-jobsreportsbucket/), 'Key.$': '$.run.items.key' },
    });
    expect(maps['Run Inventory'].ItemReader).toEqual({
      Resource: 'arn:aws:states:::s3:getObject', ReaderConfig: { InputType: 'MANIFEST' }, Parameters: { 'Bucket': expect.stringMatching(/^ref-jobsreportsbucket/), 'Key.$': '$.run.items.key' },
    });
    expect(maps['Run Listing'].ItemReader).toEqual({ Resource: 'arn:aws:states:::s3:listObjectsV2', Parameters: { Bucket: expect.stringMatching(/^ref-mirrorbucket/) } });
    const choice = def.States['Which items?'];
    expect(choice.Choices.map((c: any) => [c.Variable, c.StringEquals ?? c.NumericEquals, c.Next])).toEqual([
      ['$.run.reader', 'listing', 'Run Listing'], ['$.run.reader', 'inventory', 'Run Inventory'], ['$.run.count', 0, 'Summarise'],
    ]);
    expect(choice.Default).toBe('Run Items');
  });

  test.each(['Run Items', 'Run Inventory', 'Run Listing'])('%s: concurrency, tolerated failures, batches, the result writer, standard child executions', (name) => {
    const map = mapStates(def)[name];
    expect(map.ItemProcessor.ProcessorConfig).toEqual({ Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' });
    expect(map.MaxConcurrency).toBe(7);
    expect(map.ToleratedFailurePercentage).toBe(3);
    expect(map.ItemBatcher).toEqual({ MaxItemsPerBatch: 50, BatchInput: { 'mode.$': '$.run.mode', 'source.$': '$.run.source', 'stripPrefix.$': '$.run.stripPrefix' } });
    expect(map.ResultWriter).toEqual({
      Resource: 'arn:aws:states:::s3:putObject',
      Parameters: { 'Bucket': expect.stringMatching(/^ref-jobsreportsbucket/), 'Prefix.$': '$.run.resultsPrefix' },
      WriterConfig: { OutputType: 'JSONL', Transformation: 'FLATTEN' },
    });
    expect(map.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.mapError', Next: 'Summarise' }]);
    const [batch] = Object.values(map.ItemProcessor.States) as any[];
    expect(batch.Resource).toMatch(/function:JobsItemFunction/);
  });

  test('prepare, summarise and finish run on the run function; a failed map still summarises, then fails the execution', () => {
    expect(def.StartAt).toBe('Prepare');
    expect(def.States.Prepare.Parameters).toEqual({ 'step': 'prepare', 'input.$': '$', 'run.$': '$$.Execution.Name', 'startedAt.$': '$$.Execution.StartTime' });
    expect(def.States.Summarise.Next).toBe('Finish');
    expect(def.States.Finish.Retry).toContainEqual(expect.objectContaining({ ErrorEquals: ['TooManyInvalidationsInProgress'] }));
    expect(def.States['Did the run fail?'].Choices).toEqual([{ Variable: '$.summary.error', IsPresent: true, Next: 'Run failed' }]);
    expect(def.States['Run failed']).toEqual({ Type: 'Fail', Error: 'MirrorJobFailed', CausePath: '$.summary.error' });
    expect(def.States['Run done']).toEqual({ Type: 'Succeed', OutputPath: '$.summary' });
  });
});

test('the defaults: 10 batches at once, 20 items a batch, 5 % tolerated', () => {
  const maps = mapStates(definition(build().template));
  for (const map of Object.values(maps)) {
    expect([map.MaxConcurrency, map.ItemBatcher.MaxItemsPerBatch, map.ToleratedFailurePercentage]).toEqual([10, 20, 5]);
  }
});

test('the result writer is rendered even when the app turns the V2 feature flag off', () => {
  const maps = mapStates(definition(build({}, { [STEPFUNCTIONS_USE_DISTRIBUTED_MAP_RESULT_WRITER_V2]: false }).template));
  for (const map of Object.values(maps)) expect(map.ResultWriter.WriterConfig).toEqual({ OutputType: 'JSONL', Transformation: 'FLATTEN' });
  // Without the construct's own setting, the flag off drops the writer: what the test guards against.
  const app = new App({ context: { [STEPFUNCTIONS_USE_DISTRIBUTED_MAP_RESULT_WRITER_V2]: false } });
  const { DistributedMap, ResultWriterV2, Pass, StateMachine, DefinitionBody } = jest.requireActual('aws-cdk-lib/aws-stepfunctions');
  const stack = new Stack(app, 'Bare');
  const bucket = new s3.Bucket(stack, 'B');
  const map = new DistributedMap(stack, 'Map', { resultWriterV2: new ResultWriterV2({ bucket }) });
  map.itemProcessor(new Pass(stack, 'P'));
  new StateMachine(stack, 'SM', { definitionBody: DefinitionBody.fromChainable(map) });
  expect(JSON.stringify(Template.fromStack(stack).toJSON())).not.toContain('ResultWriter');
});

describe('the item function', () => {
  const { template, stack } = build();
  const fn = Object.values(template.findResources('AWS::Lambda::Function', { Properties: { Description: Match.stringLikeRegexp('runs one batch') } }))[0] as any;
  const env = fn.Properties.Environment.Variables;

  test('Node.js 24 on ARM64, 15 minutes, no reserved concurrency (the Map\'s maxConcurrency bounds it)', () => {
    expect(fn.Properties).toEqual(expect.objectContaining({ Runtime: 'nodejs24.x', Architectures: ['arm64'], Timeout: 900, MemorySize: 1024 }));
    expect(fn.Properties.ReservedConcurrentExecutions).toBeUndefined();
  });

  test('gets the mirror\'s own configuration and where the mirror is served', () => {
    const handler = Object.values(template.findResources('AWS::Lambda::Function', { Properties: { Description: Match.stringLikeRegexp('fetches an object') } }))[0] as any;
    const own = Object.values(ENVIRONMENT_VARIABLES).filter((name) => name !== ENVIRONMENT_VARIABLES.leaseTableName);
    for (const name of own) expect(env[name]).toEqual(handler.Properties.Environment.Variables[name]);
    // Jobs take no lease: the handler has a lease table, the item function is not told of it.
    expect(handler.Properties.Environment.Variables[ENVIRONMENT_VARIABLES.leaseTableName]).toEqual({ Ref: expect.any(String) });
    expect(env[ENVIRONMENT_VARIABLES.leaseTableName]).toBe('');
    expect(JSON.parse(stack.resolve(env[JOBS_ENVIRONMENT_VARIABLES.served]))).toEqual([{ patterns: [], defaultMine: true }]);
    expect(JSON.parse(stack.resolve(env[JOBS_ENVIRONMENT_VARIABLES.others]))).toEqual([]);
  });
});

test('the default mirror\'s jobs know the key space of a mirror added later on the shared bucket, and not of one with its own bucket', () => {
  const app = new App();
  const stack = new Stack(app, 'Stack');
  const mirror = new MirrorOriginDistribution(stack, 'Mirror', { endpoint: 'https://example.com/base' });
  new MirrorJobs(stack, 'Jobs', { mirror: mirror.mirror });
  mirror.addMirror('/legacy/*', { endpoint: 'https://old.example.com', keyPrefix: 'l/', variantQueryStrings: ['v'] });
  mirror.addMirror('/own/*', { endpoint: 'https://own.example.com', bucket: new s3.Bucket(stack, 'Own') });
  const template = Template.fromStack(stack);
  const fn = Object.values(template.findResources('AWS::Lambda::Function', { Properties: { Description: Match.stringLikeRegexp('runs one batch') } }))[0] as any;
  const env = fn.Properties.Environment.Variables;
  expect(JSON.parse(stack.resolve(env[JOBS_ENVIRONMENT_VARIABLES.others]))).toEqual([
    { keyPrefix: 'l/', variantQueryStrings: ['v'], served: [{ patterns: [{ pattern: '/legacy/*', mine: true }, { pattern: '/own/*', mine: false }], defaultMine: false }] },
  ]);
  expect(JSON.parse(stack.resolve(env[JOBS_ENVIRONMENT_VARIABLES.served]))).toEqual([
    { patterns: [{ pattern: '/legacy/*', mine: false }, { pattern: '/own/*', mine: false }], defaultMine: true },
  ]);
});

describe('least privilege', () => {
  /** The statements of the role of the function described by `description`. */
  function roleStatements(template: Template, description: RegExp): any[] {
    const fn = Object.values(template.findResources('AWS::Lambda::Function')).find((f: any) => description.test(f.Properties.Description)) as any;
    const roleId = fn.Properties.Role['Fn::GetAtt'][0];
    return Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p: any) => p.Properties.Roles.some((r: any) => r.Ref === roleId))
      .flatMap((p: any) => p.Properties.PolicyDocument.Statement)
      .map((s: any) => ({ Action: s.Action, Resource: s.Resource }));
  }

  test('the viewer handler\'s permissions are the same with and without jobs', () => {
    const app = new App();
    const alone = new Stack(app, 'Stack');
    new MirrorOriginDistribution(alone, 'Mirror', { endpoint: 'https://example.com/base' });
    const handler = /fetches an object/;
    expect(roleStatements(build().template, handler)).toEqual(roleStatements(Template.fromStack(alone), handler));
  });

  test('the item function reads and puts objects under the mirror\'s prefix and lists its bucket; nothing else', () => {
    const statements = roleStatements(build().template, /runs one batch/).filter((s) => !String(s.Action).startsWith('logs:'));
    expect(statements).toEqual([
      { Action: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'], Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [expect.stringMatching(/^MirrorBucket/), 'Arn'] }, '/*']] } },
      { Action: 's3:ListBucket', Resource: { 'Fn::GetAtt': [expect.stringMatching(/^MirrorBucket/), 'Arn'] } },
    ]);
  });

  test('the run function reads manifests, writes reports under reportsPrefix, invalidates only the bound distribution', () => {
    const { template } = build({ reportsPrefix: 'runs/' });
    const statements = roleStatements(template, /prepares a run/).filter((s) => !String(s.Action).startsWith('logs:'));
    const reports = expect.stringMatching(/^JobsReportsBucket/);
    expect(statements).toEqual([
      { Action: 's3:GetObject', Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [reports, 'Arn'] }, '/*']] } },
      { Action: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'], Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [reports, 'Arn'] }, '/runs/*']] } },
      { Action: 's3:ListBucket', Resource: { 'Fn::GetAtt': [reports, 'Arn'] } },
      { Action: 'cloudfront:CreateInvalidation', Resource: [{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':cloudfront::', { Ref: 'AWS::AccountId' }, ':distribution/', { Ref: expect.stringMatching(/^MirrorDistribution/) }]] }] },
    ]);
  });

  test('a mirror bound after the jobs were made is still found at synth (the distribution to invalidate, the paths it serves)', () => {
    const app = new App();
    const stack = new Stack(app, 'Stack');
    const mirror = new MirrorOrigin(stack, 'Legacy', { endpoint: 'https://old.example.com' });
    new MirrorJobs(stack, 'Jobs', { mirror });
    const distribution = new cloudfront.Distribution(stack, 'Cdn', {
      defaultBehavior: { origin: new (jest.requireActual('aws-cdk-lib/aws-cloudfront-origins').HttpOrigin)('www.example.com') },
      errorResponses: MirrorOrigin.errorResponses(),
    });
    distribution.addBehavior('/legacy/*', mirror.origin, mirror.behaviorOptions);
    const template = Template.fromStack(stack);
    const fn = Object.values(template.findResources('AWS::Lambda::Function', { Properties: { Description: Match.stringLikeRegexp('runs one batch') } }))[0] as any;
    expect(JSON.parse(stack.resolve(fn.Properties.Environment.Variables[JOBS_ENVIRONMENT_VARIABLES.served]))).toEqual([
      { patterns: [{ pattern: '/legacy/*', mine: true }], defaultMine: false },
    ]);
    const run = Object.values(template.findResources('AWS::Lambda::Function', { Properties: { Description: Match.stringLikeRegexp('prepares a run') } }))[0] as any;
    expect(stack.resolve(run.Properties.Environment.Variables[JOBS_ENVIRONMENT_VARIABLES.distributions])).toEqual({
      'Fn::Join': ['', ['[{"id":"', { Ref: expect.stringMatching(/^Cdn/) }, '","wildcards":["/legacy/*"]}]']],
    });
  });
});

test('metricBytesFromOrigin: the mirror\'s BytesFromOrigin with the Job dimension, one mode or prewarm and refresh summed; coverage refused', () => {
  const { stack, jobs } = build();
  const stat = (metric: any) => stack.resolve(metric.toMetricConfig().metricStat);
  expect(stat(jobs.metricBytesFromOrigin('refresh', { period: Duration.hours(1) }))).toMatchObject({
    namespace: 'CdkMirrorOrigin',
    metricName: 'BytesFromOrigin',
    statistic: 'Sum',
    period: Duration.hours(1),
    dimensions: [{ name: 'Job', value: 'refresh' }, { name: 'Mirror', value: 'Stack/Mirror/Default' }],
  });
  const both = jobs.metricBytesFromOrigin() as any;
  expect(both.expression).toBe('FILL(prewarm, 0) + FILL(refresh, 0)');
  expect(stat(both.usingMetrics.prewarm).dimensions).toEqual([{ name: 'Job', value: 'prewarm' }, { name: 'Mirror', value: 'Stack/Mirror/Default' }]);
  expect(() => jobs.metricBytesFromOrigin('coverage')).toThrow(/\[Stack\/Jobs\] metricBytesFromOrigin mode must be one of "prewarm", "refresh" \(coverage fetches nothing\), got "coverage"/);
});

test('the reports bucket it creates: private, encrypted, SSL only, reports expiring after 90 days by default', () => {
  const { template } = build();
  template.hasResourceProperties('AWS::S3::Bucket', {
    PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
    BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
    LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ Id: 'expire-reports', ExpirationInDays: 90, Status: 'Enabled' })]) },
  });
  template.hasResourceProperties('AWS::S3::BucketPolicy', {
    PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
  });
  build({ reportsExpiration: Duration.days(7) }).template.hasResourceProperties('AWS::S3::Bucket', {
    LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ Id: 'expire-reports', ExpirationInDays: 7 })]) },
  });
});

test('a reports bucket of your own is used for reports and manifests; no bucket is created for them', () => {
  const app = new App();
  const stack = new Stack(app, 'Stack');
  const mirror = new MirrorOriginDistribution(stack, 'Mirror', { endpoint: 'https://example.com' });
  const own = s3.Bucket.fromBucketName(stack, 'Own', 'my-reports');
  const jobs = new MirrorJobs(stack, 'Jobs', { mirror: mirror.mirror, reportsBucket: own });
  expect(jobs.reportsBucket).toBe(own);
  expect(jobs.manifestBucket).toBe(own);
  expect(Object.keys(Template.fromStack(stack).findResources('AWS::S3::Bucket')).filter((id) => id.startsWith('Jobs'))).toEqual([]);
});

describe('bad props fail synth naming the construct path and the prop', () => {
  test.each<[string, (mirror: MirrorOriginDistribution) => Partial<MirrorJobsProps>, RegExp]>([
    ['maxConcurrency 0', () => ({ maxConcurrency: 0 }), /^\[Stack\/Jobs\] maxConcurrency must be an integer from 1 to 10000, got 0$/m],
    ['batchSize 1.5', () => ({ batchSize: 1.5 }), /^\[Stack\/Jobs\] batchSize must be an integer from 1 to 1000, got 1.5$/m],
    ['toleratedFailurePercentage 101', () => ({ toleratedFailurePercentage: 101 }), /^\[Stack\/Jobs\] toleratedFailurePercentage must be an integer from 0 to 100, got 101$/m],
    ['reportsPrefix without its slash', () => ({ reportsPrefix: 'runs' }), /^\[Stack\/Jobs\] reportsPrefix must be empty or a path like/m],
    ['reportsExpiration of hours', () => ({ reportsExpiration: Duration.hours(5) }), /^\[Stack\/Jobs\] reportsExpiration must be a whole number of days, at least 1, got 5 hours$/m],
    ['the mirror\'s bucket for reports', (m) => ({ reportsBucket: m.bucket }), /^\[Stack\/Jobs\] reportsBucket must not be the mirror's bucket: viewers can read/m],
    ['the mirror\'s bucket for manifests', (m) => ({ manifestBucket: m.bucket }), /^\[Stack\/Jobs\] manifestBucket must not be the mirror's bucket/m],
  ])('%s', (_name, props, message) => {
    const app = new App();
    const stack = new Stack(app, 'Stack');
    const mirror = new MirrorOriginDistribution(stack, 'Mirror', { endpoint: 'https://example.com' });
    expect(() => new MirrorJobs(stack, 'Jobs', { mirror: mirror.mirror, ...props(mirror) })).toThrow(message);
  });

  test('a mirror never bound to a distribution fails synth, naming it', () => {
    const app = new App();
    const stack = new Stack(app, 'Stack');
    const mirror = new MirrorOrigin(stack, 'Alone', { endpoint: 'https://example.com' });
    new MirrorJobs(stack, 'Jobs', { mirror });
    expect(() => app.synth()).toThrow(/\[Stack\/Jobs\] mirror Stack\/Alone must be bound to a distribution/);
  });

  test('a mirror in another stack', () => {
    const app = new App();
    const mirror = new MirrorOriginDistribution(new Stack(app, 'One'), 'Mirror', { endpoint: 'https://example.com' });
    expect(() => new MirrorJobs(new Stack(app, 'Two'), 'Jobs', { mirror: mirror.mirror })).toThrow(/^\[Two\/Jobs\] mirror must be in this construct's stack \(Two\), got one in One$/m);
  });
});
