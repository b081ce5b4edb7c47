/**
 * The operations wiring in the template: the metric*() methods (namespace, dimensions, statistics), the hit ratio
 * built right for CloudFront (us-east-1, Region=Global), the default alarms (on, off, exposed for actions), the
 * dashboard's widgets, the origin budget's alarms, brake and reset schedule, and the mirror's name in the handler.
 */
import { App, Duration, Size, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { MirrorOrigin, MirrorOriginDashboard, MirrorOriginDistribution, MirrorOriginDistributionProps } from '../../src';
import { ENVIRONMENT_VARIABLES } from '../../src/config';
import { mirrorStack, onlyResource } from '../support/template';

/** A stack "Stack" with a distribution "Mirror", not yet synthesized (mirrors can still be added). */
function build(props: Partial<MirrorOriginDistributionProps> = {}): { stack: Stack; mirror: MirrorOriginDistribution } {
  const stack = new Stack(new App(), 'Stack');
  return { stack, mirror: new MirrorOriginDistribution(stack, 'Mirror', { endpoint: 'https://example.com', ...props }) };
}

/** The alarms of a template, by the end of their construct id (OriginErrorsAlarm, BytesAlarm …). */
function alarmsOf(template: Template): Record<string, any> {
  return Object.fromEntries(Object.entries<any>(template.findResources('AWS::CloudWatch::Alarm'))
    .map(([id, alarm]) => [/(OriginErrorsAlarm|HandlerErrorsAlarm|BytesAlarm|RequestsAlarm)/.exec(id)![1], alarm.Properties]));
}

/** The dashboard's widgets, with every CloudFormation token in its body written as "<token>". */
function widgetsOf(template: Template): any[] {
  const body = onlyResource(template, 'AWS::CloudWatch::Dashboard').resource.Properties.DashboardBody;
  const text = typeof body === 'string' ? body : body['Fn::Join'][1].map((part: unknown) => (typeof part === 'string' ? part : '<token>')).join('');
  return JSON.parse(text).widgets;
}

describe('metric*() methods', () => {
  const { stack, mirror } = mirrorStack();
  const render = (metric: cloudwatch.IMetric) => stack.resolve(metric.toMetricConfig());

  test('the handler\'s metrics: namespace CdkMirrorOrigin, dimension Mirror (the construct path), a default statistic, 5 minutes', () => {
    const identity = { namespace: 'CdkMirrorOrigin', period: Duration.minutes(5) };
    expect(render(mirror.metricBytesFromOrigin()).metricStat).toMatchObject({
      ...identity,
      metricName: 'BytesFromOrigin',
      statistic: 'Sum',
      dimensions: [{ name: 'Mirror', value: 'Stack/Mirror/Default' }],
    });
    expect(render(mirror.metricOriginLatency()).metricStat).toMatchObject({ ...identity, metricName: 'OriginLatency', statistic: 'p50' });
    expect(render(mirror.metricStoreDuration()).metricStat).toMatchObject({ ...identity, metricName: 'StoreDuration', statistic: 'p50' });
    expect(render(mirror.metricMisses()).metricStat).toMatchObject({
      ...identity,
      metricName: 'Misses',
      statistic: 'Sum',
      dimensions: [{ name: 'Mirror', value: 'Stack/Mirror/Default' }],
    });
  });

  test('misses of one outcome add the Outcome dimension; MetricOptions override the defaults', () => {
    const stat = render(mirror.metricMisses('origin-error', { period: Duration.minutes(1), statistic: 'Average' })).metricStat;
    expect(stat).toMatchObject({
      metricName: 'Misses',
      statistic: 'Average',
      period: Duration.minutes(1),
      dimensions: [{ name: 'Mirror', value: 'Stack/Mirror/Default' }, { name: 'Outcome', value: 'origin-error' }],
    });
  });

  test('MirrorOriginDistribution passes its default mirror\'s metrics through', () => {
    expect(render(mirror.metricMisses('stored'))).toEqual(render(mirror.mirror.metricMisses('stored')));
    expect(render(mirror.metricStoreDuration())).toEqual(render(mirror.mirror.metricStoreDuration()));
  });

  test('an outcome outside the vocabulary fails, naming the mirror and the outcomes there are', () => {
    expect(() => mirror.metricMisses('hit')).toThrow(/^\[Stack\/Mirror\/Default\] metricMisses outcome must be one of "stored", "exists", .*got "hit"$/);
  });

  test('the hit ratio: 1 − the handlers\' invocations and throttles ÷ CloudFront requests, from us-east-1 with Region=Global', () => {
    const { stack: own, mirror: distribution } = build();
    const legacy = distribution.addMirror('/legacy/*', { endpoint: 'https://old.example.com' });
    const ratio = distribution.metricMirrorHitRatio();
    expect(ratio.expression).toBe('100 * (1 - (FILL(invocations0, 0) + FILL(throttles0, 0) + FILL(invocations1, 0) + FILL(throttles1, 0)) / requests)');
    expect(ratio.usingMetrics.requests.toMetricConfig().metricStat).toMatchObject({
      namespace: 'AWS/CloudFront',
      metricName: 'Requests',
      statistic: 'Sum',
      region: 'us-east-1',
      dimensions: [{ name: 'DistributionId', value: distribution.distribution.distributionId }, { name: 'Region', value: 'Global' }],
    });
    const functionName = (m: cloudwatch.IMetric) => own.resolve(m.toMetricConfig().metricStat!.dimensions![0].value);
    expect(functionName(ratio.usingMetrics.invocations1)).toEqual(own.resolve(legacy.handler.functionName));
    expect(ratio.usingMetrics.throttles0.toMetricConfig().metricStat!.metricName).toBe('Throttles');
  });

  test('a mirror added after the hit ratio was built fails synth, naming it: its misses would count as hits', () => {
    const inOrder = build();
    inOrder.mirror.addMirror('/legacy/*', { endpoint: 'https://old.example.com' });
    inOrder.mirror.metricMirrorHitRatio();
    expect(() => Template.fromStack(inOrder.stack)).not.toThrow();
    const { stack: own, mirror: distribution } = build();
    distribution.addMirror('/legacy/*', { endpoint: 'https://old.example.com' });
    distribution.metricMirrorHitRatio();
    distribution.addMirror('/late/*', { endpoint: 'https://late.example.com' });
    expect(() => Template.fromStack(own)).toThrow(/\[Stack\/Mirror\] metricMirrorHitRatio\(\) was called before addMirror\('\/late\/\*'\): .*after the last addMirror\(\)/);
  });
});

describe('alarms', () => {
  test('on by default: origin errors above a rate and handler errors or throttles, no actions, each saying what to do', () => {
    const { mirror, template } = mirrorStack();
    const alarms = alarmsOf(template);
    expect(Object.keys(alarms).sort()).toEqual(['HandlerErrorsAlarm', 'OriginErrorsAlarm']);
    expect(mirror.alarms).toHaveLength(2);
    const origin = alarms.OriginErrorsAlarm;
    expect(origin).toMatchObject({ Threshold: 10, ComparisonOperator: 'GreaterThanThreshold', EvaluationPeriods: 3, DatapointsToAlarm: 2, TreatMissingData: 'notBreaching' });
    expect(origin.Metrics[0].Expression).toBe('IF(requests >= 10, 100 * (FILL(failed0, 0) + FILL(failed1, 0)) / requests, 0)');
    const stats = origin.Metrics.slice(1).map((m: any) => [m.Id, m.MetricStat.Metric.MetricName, m.MetricStat.Stat, m.MetricStat.Metric.Dimensions]);
    expect(stats).toEqual([
      ['requests', 'OriginLatency', 'SampleCount', [{ Name: 'Mirror', Value: 'Stack/Mirror/Default' }]],
      ['failed0', 'Misses', 'Sum', [{ Name: 'Mirror', Value: 'Stack/Mirror/Default' }, { Name: 'Outcome', Value: 'origin-error' }]],
      ['failed1', 'Misses', 'Sum', [{ Name: 'Mirror', Value: 'Stack/Mirror/Default' }, { Name: 'Outcome', Value: 'timeout' }]],
    ]);
    const handler = alarms.HandlerErrorsAlarm;
    expect(handler).toMatchObject({ Threshold: 5, ComparisonOperator: 'GreaterThanOrEqualToThreshold', EvaluationPeriods: 1 });
    expect(handler.Metrics.slice(1).map((m: any) => [m.MetricStat.Metric.Namespace, m.MetricStat.Metric.MetricName])).toEqual([
      ['AWS/Lambda', 'Errors'], ['AWS/Lambda', 'Throttles'],
    ]);
    for (const alarm of Object.values<any>(alarms)) {
      expect(alarm.AlarmActions).toBeUndefined();
      expect(alarm.AlarmDescription.length).toBeLessThanOrEqual(1024);
      expect(alarm.AlarmDescription).toMatch(/^cdk-mirror-origin Stack\/Mirror\/Default: .*(What to do|raise it)/);
    }
  });

  test('alarms: false makes none; the distribution\'s `alarms` lists every mirror\'s, ready for actions', () => {
    expect(mirrorStack({ alarms: false }).template.resourceCountIs('AWS::CloudWatch::Alarm', 0));
    const { stack, mirror } = build();
    mirror.addMirror('/legacy/*', { endpoint: 'https://old.example.com' });
    const topic = new sns.Topic(stack, 'Pager');
    for (const alarm of mirror.alarms) alarm.addAlarmAction(new actions.SnsAction(topic));
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 4);
    template.allResourcesProperties('AWS::CloudWatch::Alarm', { AlarmActions: [{ Ref: Match.stringLikeRegexp('^Pager') }] });
  });
});

describe('dashboard', () => {
  test('none by default', () => {
    mirrorStack().template.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
  });

  test('dashboard: true: the distribution\'s graphs, then each mirror\'s, with the mirrors added later in the hit ratio', () => {
    const { stack, mirror } = build({ dashboard: true });
    mirror.addMirror('/legacy/*', { endpoint: 'https://old.example.com' });
    const widgets = widgetsOf(Template.fromStack(stack));
    expect(widgets.map((w) => w.properties.title ?? w.properties.markdown)).toEqual([
      'Hit ratio: requests no mirror handler served (%)', 'CloudFront requests', 'CloudFront error rates (%)',
      ...['Stack/Mirror/Default', 'Stack/Mirror/MirrorLegacy'].flatMap((name) => [
        `### Mirror ${name}`, 'Misses by outcome', 'Bytes from the origin', 'Objects stored: streamed or redirected',
        'Origin first-byte latency (ms)', 'Time to store (ms)', 'Handler concurrency and throttles', 'Alarms',
      ]),
    ]);
    const [ratio, , errors] = widgets;
    expect(ratio.properties.metrics[0][0].expression).toContain('FILL(invocations1, 0)');
    expect(ratio.properties.metrics[1]).toEqual(['AWS/CloudFront', 'Requests', 'DistributionId', '<token>', 'Region', 'Global',
      { id: 'requests', visible: false, region: 'us-east-1', stat: 'Sum' }]);
    expect(errors.properties.metrics.map((m: any[]) => [m[1], m[5], m[6].region]))
      .toEqual([['4xxErrorRate', 'Global', 'us-east-1'], ['5xxErrorRate', 'Global', 'us-east-1']]);
    const byOutcome = widgets.find((w) => w.properties.title === 'Misses by outcome');
    expect(byOutcome.properties.metrics[0][0].expression).toBe(
      'SEARCH(\'{CdkMirrorOrigin,Mirror,Outcome} MetricName="Misses" Mirror="Stack/Mirror/Default"\', \'Sum\', 300)');
    const latency = widgets.find((w) => w.properties.title === 'Origin first-byte latency (ms)');
    expect(latency.properties.metrics.map((m: any[]) => [m[1], m[m.length - 1].stat])).toEqual([['OriginLatency', 'p50'], ['OriginLatency', 'p99']]);
    expect(widgets.filter((w) => w.type === 'alarm').map((w) => w.properties.alarms.length)).toEqual([2, 2]);
  });

  test('a dashboard of its own for a MirrorOrigin in the user\'s own distribution', () => {
    const stack = new Stack(new App(), 'Stack');
    const site = new MirrorOrigin(stack, 'Site', { endpoint: 'https://old.example.com', alarms: false });
    const distribution = new cloudfront.Distribution(stack, 'Cdn', {
      defaultBehavior: { origin: origins.S3BucketOrigin.withOriginAccessControl(new s3.Bucket(stack, 'Web')) },
      errorResponses: MirrorOrigin.errorResponses(),
    });
    distribution.addBehavior('/legacy/*', site.origin, site.behaviorOptions);
    new MirrorOriginDashboard(stack, 'Ops', { mirrors: [site], distribution, dashboardName: 'mirror-ops' });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'mirror-ops' });
    const titles = widgetsOf(template).map((w) => w.properties.title ?? w.properties.markdown);
    expect(titles).toContain('### Mirror Stack/Site');
    expect(titles).not.toContain('Alarms');
  });

  test('a dashboard of something that is not a mirror of this library fails, naming the dashboard and the prop', () => {
    const stack = new Stack(new App(), 'Stack');
    const stranger = new Construct(stack, 'Stranger') as unknown as MirrorOrigin;
    expect(() => new MirrorOriginDashboard(stack, 'Ops', { mirrors: [stranger] }))
      .toThrow(/^\[Stack\/Ops\] mirrors must hold MirrorOrigin constructs of this copy of cdk-mirror-origin, got Stack\/Stranger/);
  });
});

describe('the mirror\'s name', () => {
  test('the handler gets it (MIRROR_NAME): the construct path by default, or mirrorName', () => {
    const variables = (template: Template) => onlyResource(template, 'AWS::Lambda::Function').resource.Properties.Environment.Variables;
    expect(variables(mirrorStack().template)[ENVIRONMENT_VARIABLES.mirrorName]).toBe('Stack/Mirror/Default');
    const { mirror, template } = mirrorStack({ mirrorName: 'assets-cdn' });
    expect(variables(template)[ENVIRONMENT_VARIABLES.mirrorName]).toBe('assets-cdn');
    expect(mirror.mirror.mirrorName).toBe('assets-cdn');
    expect(alarmsOf(template).OriginErrorsAlarm.Metrics[1].MetricStat.Metric.Dimensions).toEqual([{ Name: 'Mirror', Value: 'assets-cdn' }]);
  });

  test('two mirrors of a stack under one name fail at synth, naming both', () => {
    const { stack, mirror } = build({ mirrorName: 'same' });
    mirror.addMirror('/legacy/*', { endpoint: 'https://old.example.com', mirrorName: 'same' });
    expect(() => Template.fromStack(stack)).toThrow(/\[Stack\/Mirror\/Default\] mirrorName "same" is also the name of Stack\/Mirror\/MirrorLegacy/);
  });
});

describe('origin budget', () => {
  const budget = { bytesPerHour: Size.gibibytes(2), requestsPerMinute: 300, resetAfter: Duration.hours(2) };
  const { stack, mirror, template } = mirrorStack({ reservedConcurrency: 20, originBudget: budget });
  const brake = Object.entries<any>(template.findResources('AWS::Lambda::Function')).find(([id]) => id.includes('OriginBudgetBrake'))!;
  const handlerArn = stack.resolve(mirror.handler.functionArn);

  test('one alarm per limit on the handler\'s own metrics, without actions; one composite alarm over them runs the brake and says how to reset it', () => {
    const alarms = alarmsOf(template);
    expect(alarms.BytesAlarm).toMatchObject({
      MetricName: 'BytesFromOrigin',
      Statistic: 'Sum',
      Period: 3600,
      Threshold: 2 * 1024 ** 3,
      Namespace: 'CdkMirrorOrigin',
      ComparisonOperator: 'GreaterThanThreshold',
    });
    expect(alarms.RequestsAlarm).toMatchObject({ MetricName: 'OriginLatency', Statistic: 'SampleCount', Period: 60, Threshold: 300 });
    expect(alarms.BytesAlarm.AlarmActions).toBeUndefined();
    expect(alarms.RequestsAlarm.AlarmActions).toBeUndefined();
    expect(alarms.BytesAlarm.AlarmDescription).toMatch(/one limit of the origin budget\. More than 2147483648 bytes .*BudgetAlarm\) stops fetching/);

    const composite = onlyResource(template, 'AWS::CloudWatch::CompositeAlarm').resource.Properties;
    expect(composite.AlarmActions).toEqual([{ 'Fn::GetAtt': [brake[0], 'Arn'] }]);
    const rule = JSON.stringify(stack.resolve(composite.AlarmRule));
    expect(rule).toMatch(/^\{"Fn::Join":\["",\["\(ALARM\(\\"",\{"Fn::GetAtt":\["[^"]*BytesAlarm[^"]*","Arn"\]\},"\\"\) OR ALARM\(\\"",\{"Fn::GetAtt":\["[^"]*RequestsAlarm/);
    const description = composite.AlarmDescription['Fn::Join'][1];
    expect(description[0]).toMatch(/ORIGIN BUDGET EXCEEDED.*More than 2147483648 bytes came from the origin in an hour, or more than 300 requests .*aws lambda invoke --function-name $/s);
    expect(description[1]).toEqual({ Ref: brake[0] });
    expect(description[2]).toMatch(/--payload '\{"action":"reset"\}' .*by itself 2 hours after the brake\.$/);
    // The "at most three": the two default alarms and the budget's one, which is the one with an action.
    expect(mirror.alarms).toHaveLength(3);
    expect(mirror.alarms[2]).toBeInstanceOf(cloudwatch.CompositeAlarm);
  });

  test('with one limit, that limit\'s alarm is the budget\'s alarm and runs the brake', () => {
    const { template: one } = mirrorStack({ originBudget: { bytesPerHour: Size.mebibytes(1) } });
    one.resourceCountIs('AWS::CloudWatch::CompositeAlarm', 0);
    const oneBrake = Object.keys(one.findResources('AWS::Lambda::Function')).find((id) => id.includes('OriginBudgetBrake'))!;
    expect(alarmsOf(one).BytesAlarm).toMatchObject({ AlarmActions: [{ 'Fn::GetAtt': [oneBrake, 'Arn'] }] });
    expect(alarmsOf(one).BytesAlarm.AlarmDescription['Fn::Join'][1][0]).toMatch(/ORIGIN BUDGET EXCEEDED.*More than 1048576 bytes came from the origin in an hour\./s);
  });

  test('every alarm description stays within CloudWatch\'s 1,024 characters with the longest legal mirrorName', () => {
    const longest = 'm'.repeat(255);
    const widest = { bytesPerHour: Size.tebibytes(1024), requestsPerMinute: 1_000_000_000, resetAfter: Duration.days(365) };
    const { template: long } = mirrorStack({ mirrorName: longest, originBudget: widest });
    // A function name is at most 64 characters: every token in a description counts as that long.
    const length = (description: any) => (typeof description === 'string' ? description.length
      : description['Fn::Join'][1].reduce((n: number, part: unknown) => n + (typeof part === 'string' ? part.length : 64), 0));
    const descriptions = [
      ...Object.values<any>(long.findResources('AWS::CloudWatch::Alarm')),
      ...Object.values<any>(long.findResources('AWS::CloudWatch::CompositeAlarm')),
    ].map((alarm) => alarm.Properties.AlarmDescription);
    expect(descriptions).toHaveLength(5);
    for (const description of descriptions) expect(length(description)).toBeLessThanOrEqual(1024);
    expect(JSON.stringify(descriptions)).toContain(`cdk-mirror-origin ${'m'.repeat(63)}…:`);
  });

  test('CloudWatch may invoke the brake, only from the budget\'s alarm', () => {
    const permissions = Object.values<any>(template.findResources('AWS::Lambda::Permission'))
      .filter((p) => p.Properties.Principal === 'lambda.alarms.cloudwatch.amazonaws.com');
    expect(permissions.map((p) => [p.Properties.FunctionName, p.Properties.SourceArn['Fn::GetAtt'][0]])).toEqual([
      [{ 'Fn::GetAtt': [brake[0], 'Arn'] }, expect.stringMatching(/BudgetAlarm/)],
    ]);
  });

  test('the brake may set or remove this handler\'s concurrency, and manage its one reset schedule, nothing else', () => {
    const roleId = brake[1].Properties.Role['Fn::GetAtt'][0];
    const statements = Object.values<any>(template.findResources('AWS::IAM::Policy'))
      .filter((p) => p.Properties.Roles.some((r: any) => r.Ref === roleId))
      .flatMap((p) => p.Properties.PolicyDocument.Statement);
    const actionsOf = (statement: any) => [statement.Action].flat().sort();
    expect(statements.map(actionsOf)).toEqual([
      ['logs:CreateLogStream', 'logs:PutLogEvents'],
      ['lambda:DeleteFunctionConcurrency', 'lambda:PutFunctionConcurrency'],
      ['scheduler:CreateSchedule', 'scheduler:DeleteSchedule', 'scheduler:UpdateSchedule'],
      ['iam:PassRole'],
    ]);
    expect(statements[1].Resource).toEqual(handlerArn);
    expect(JSON.stringify(statements[2].Resource)).toMatch(/:schedule\/Stack-Mirror-OriginBudget-ResetSchedules-[^"]*\/reset"/);
  });

  test('the reset schedule\'s group goes with the stack; its role may only invoke the brake', () => {
    template.hasResource('AWS::Scheduler::ScheduleGroup', { DeletionPolicy: 'Delete' });
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'scheduler.amazonaws.com' } })] },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: [{ Action: 'lambda:InvokeFunction', Effect: 'Allow', Resource: { 'Fn::GetAtt': [brake[0], 'Arn'] } }] },
    });
  });

  test('a deploy that updates the stack resets the brake (CloudFormation only writes the concurrency when its value changes)', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        'source': ['aws.cloudformation'],
        'detail-type': ['CloudFormation Stack Status Change'],
        'resources': [{ Ref: 'AWS::StackId' }],
        'detail': { 'status-details': { status: ['UPDATE_COMPLETE'] } },
      },
      Targets: [{ Arn: { 'Fn::GetAtt': [brake[0], 'Arn'] }, Id: Match.anyValue(), Input: '{"action":"reset","trigger":"deploy"}' }],
    });
    template.hasResourceProperties('AWS::Lambda::Permission', { Principal: 'events.amazonaws.com', FunctionName: { 'Fn::GetAtt': [brake[0], 'Arn'] } });
  });

  test('without resetAfter, no schedule at all; with alarms: false, the budget\'s alarms remain', () => {
    const { template: plain } = mirrorStack({ alarms: false, originBudget: { requestsPerMinute: 10 } });
    plain.resourceCountIs('AWS::Scheduler::ScheduleGroup', 0);
    expect(Object.keys(alarmsOf(plain))).toEqual(['RequestsAlarm']);
  });

  test.each<[string, object, RegExp]>([
    ['no limit', {}, /\[Stack\/Mirror\] originBudget must set bytesPerHour, requestsPerMinute or both/],
    ['a fraction of a request', { requestsPerMinute: 1.5 }, /originBudget.requestsPerMinute must be an integer of 1 or more, got 1.5/],
    ['zero bytes', { bytesPerHour: Size.bytes(0) }, /originBudget.bytesPerHour must be a whole number of bytes, at least 1, got 0/],
    ['a reset within seconds', { requestsPerMinute: 1, resetAfter: Duration.seconds(5) }, /originBudget.resetAfter must be whole seconds from 1 minute to 365 days, got 5 seconds/],
  ])('%s fails at synth, naming the prop', (_name, bad, expected) => {
    expect(() => mirrorStack({ originBudget: bad })).toThrow(expected);
  });
});

test('a bad mirrorName fails at synth, naming the prop', () => {
  expect(() => mirrorStack({ mirrorName: '' })).toThrow(/\[Stack\/Mirror\] mirrorName must be 1 to 255 printable ASCII characters/);
  expect(() => mirrorStack({ mirrorName: 'café' })).toThrow(/mirrorName must be 1 to 255 printable ASCII characters.*got "café"/);
});
