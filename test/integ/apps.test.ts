/**
 * The integ apps as built in this process (type-checked, unlike the CLI's transpile-only synth): one per scenario,
 * cdk-nag clean, every step asserted in order, and nothing left behind once the stacks are deleted.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { integApp, STEP_OUTPUT_PREFIX } from './app';
import { integAppNames } from './cdk';
import { SECOND_ENDPOINT_PATH } from './content';
import { PROBE_ENVIRONMENT } from './probe-aws';
import { SCENARIOS } from './scenarios';
import { ENVIRONMENT_VARIABLES } from '../../src/config';

const REPO = path.resolve(__dirname, '..', '..');

test('every test/<name>.integ.ts is a scenario of test/integ/scenarios, and every scenario has its app', () => {
  expect(integAppNames()).toEqual(SCENARIOS.map((scenario) => scenario.name).sort());
  for (const name of integAppNames()) {
    expect(fs.readFileSync(path.join(REPO, 'test', `${name}.integ.ts`), 'utf8')).toMatch(/integApp\([A-Z_]+\)\.synth\(\)/);
    expect(fs.existsSync(path.join(REPO, 'test', `${name}.integ.snapshot`, 'Test.template.json'))).toBe(true);
  }
});

test('docs/integration-tests.md names every app and, in its table, every step', () => {
  const docs = fs.readFileSync(path.join(REPO, 'docs', 'integration-tests.md'), 'utf8');
  const table = docs.split('\n').filter((line) => line.startsWith('|')).join('\n');
  for (const scenario of SCENARIOS) {
    expect(table).toContain(`${scenario.name}: `);
    for (const step of scenario.steps) expect(table).toContain(`\`${step.id}\``);
  }
});

/** Whether `value` holds a null anywhere (integ-tests cannot decode an expectation with one). */
function hasNull(value: unknown): boolean {
  if (value === null) return true;
  return typeof value === 'object' && Object.values(value as object).some(hasNull);
}

describe.each(SCENARIOS.map((scenario) => [scenario.name, scenario] as const))('integ app %s', (_, scenario) => {
  let test: Template;
  let assertions: Template;

  beforeAll(() => {
    // Synth runs cdk-nag (the app registers it): a finding nobody acknowledged throws here.
    const assembly = integApp(scenario).synth();
    test = Template.fromJSON(assembly.getStackArtifact('Test').template);
    assertions = Template.fromJSON(assembly.getStackArtifact('Assertions').template);
  });

  it('has steps with unique ids of letters and digits, a warm-up first, and expectations without null', () => {
    const ids = scenario.steps.map((step) => step.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9]+$/);
    expect(ids[0]).toBe('WarmUp');
    for (const step of scenario.steps) expect(hasNull({ ...step.expect, ...step.expectOnAws })).toBe(false);
  });

  it('asserts every step, each after the one before, with the expectation of the scenario', () => {
    const outputs = Object.keys(assertions.toJSON().Outputs ?? {});
    expect(outputs.filter((name) => name.startsWith(STEP_OUTPUT_PREFIX)).sort()).toEqual(scenario.steps.map((step) => `${STEP_OUTPUT_PREFIX}${step.id}`).sort());
    const resources = assertions.toJSON().Resources as Record<string, { Properties: any; DependsOn?: string[] }>;
    scenario.steps.forEach((step, index) => {
      const call = resources[`Step${step.id}`];
      expect(JSON.parse(JSON.parse(call.Properties.Payload ?? call.Properties.parameters.Payload))).toEqual(step.probe);
      const expected = JSON.parse(call.Properties.expected).$ObjectLike.Payload.$SerializedJson.$ObjectLike;
      expect(expected).toEqual({ ...step.expect, ...step.expectOnAws });
      // A fixed salt: the snapshot equals a fresh synth (integ-tests would put Date.now() there).
      expect(call.Properties.salt).toBe('integ');
      if (index > 0) expect(call.DependsOn).toEqual(expect.arrayContaining([`Step${scenario.steps[index - 1].id}`]));
    });
  });

  it('points every mirror and the jobs at the test origin, and the probe at the distribution, the mirror bucket and the jobs', () => {
    const environments = Object.values(test.findResources('AWS::Lambda::Function')).map((fn) => fn.Properties.Environment?.Variables ?? {});
    const withVariable = (name: string) => environments.filter((variables) => name in variables);
    const originUrl = { 'Fn::GetAtt': [expect.stringMatching(/^OriginFunctionFunctionUrl/), 'FunctionUrl'] };
    // The viewer handlers (the jobs' functions also know the endpoint, and their served routes).
    const handlers = withVariable(ENVIRONMENT_VARIABLES.endpoint).filter((variables) => !('JOBS_SERVED_ROUTES' in variables));
    expect(handlers.map((variables) => variables[ENVIRONMENT_VARIABLES.endpoint])).toEqual([
      originUrl,
      ...(scenario.extend ? [{ 'Fn::Join': ['', [originUrl, SECOND_ENDPOINT_PATH]] }] : []),
    ]);
    for (const variables of withVariable(ENVIRONMENT_VARIABLES.endpoint)) expect(JSON.stringify(variables[ENVIRONMENT_VARIABLES.endpoint])).toMatch(/OriginFunctionFunctionUrl/);
    const mirrorBucket = handlers[0][ENVIRONMENT_VARIABLES.bucketName];
    const probe = withVariable(PROBE_ENVIRONMENT.distributionUrl);
    expect(probe).toHaveLength(1);
    const distribution = Object.keys(test.findResources('AWS::CloudFront::Distribution'));
    expect(distribution).toHaveLength(1);
    expect(probe[0]).toEqual({
      [PROBE_ENVIRONMENT.distributionUrl]: { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distribution[0], 'DomainName'] }]] },
      [PROBE_ENVIRONMENT.mirrorBucket]: mirrorBucket,
      ...(scenario.countOriginRequests ? { [PROBE_ENVIRONMENT.originRequestsBucket]: { Ref: expect.stringMatching(/^OriginRequestsBucket/) } } : {}),
      ...(scenario.jobs ? {
        [PROBE_ENVIRONMENT.jobsStateMachine]: { Ref: expect.stringMatching(/^JobsStateMachine/) },
        [PROBE_ENVIRONMENT.jobsManifestBucket]: { Ref: expect.stringMatching(/^ReportsBucket/) },
      } : {}),
    });
    // The origin records requests where the probe counts them.
    if (scenario.countOriginRequests) expect(withVariable('ORIGIN_REQUESTS_BUCKET')[0].ORIGIN_REQUESTS_BUCKET).toEqual(probe[0][PROBE_ENVIRONMENT.originRequestsBucket]);
    // The origin answers buffered (with Content-Length), publicly: it is the third party the mirror stands in front of.
    test.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'NONE', TargetFunctionArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^OriginFunction'), 'Arn'] } });
    expect(JSON.stringify(test.findResources('AWS::Lambda::Url'))).not.toMatch(/"AuthType":"NONE","InvokeMode"/);
  });

  it('gives the probe only the calls its steps make', () => {
    const kinds = new Set(scenario.steps.map((step) => step.probe.kind));
    const policies = Object.values(test.findResources('AWS::IAM::Policy'))
      .filter((policy) => JSON.stringify(policy.Properties.Roles).includes('ProbeRole'));
    type Statement = { Action: string | string[]; Resource: unknown };
    const statements = policies.flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[]);
    const actions = [...new Set(statements.flatMap((statement) => [statement.Action].flat()))].sort();
    expect(actions).toEqual([
      'logs:CreateLogStream', 'logs:PutLogEvents', 's3:GetObject', 's3:ListBucket',
      ...(kinds.has('job-start') ? ['s3:PutObject', 'states:DescribeExecution', 'states:StartExecution'] : []),
      ...(kinds.has('metrics') ? ['cloudwatch:GetMetricData'] : []),
    ].sort());
    // "*" only for the one call that has no resource-level permissions.
    for (const statement of statements) {
      if (JSON.stringify(statement.Resource) === '"*"') expect(statement.Action).toBe('cloudwatch:GetMetricData');
    }
  });

  it('leaves nothing behind: buckets emptied and deleted, every function logging to a group deleted with its stack', () => {
    for (const template of [test, assertions]) {
      const resources = Object.entries(template.toJSON().Resources as Record<string, { Type: string; DeletionPolicy?: string; Properties?: any }>);
      for (const [id, resource] of resources) {
        if (resource.DeletionPolicy !== undefined) expect(`${id} ${resource.DeletionPolicy}`).toBe(`${id} Delete`);
        if (resource.Type === 'AWS::Lambda::Function') {
          const group = resource.Properties.LoggingConfig?.LogGroup?.Ref;
          expect(resources.find(([logicalId]) => logicalId === group)?.[1]).toEqual(expect.objectContaining({ Type: 'AWS::Logs::LogGroup', DeletionPolicy: 'Delete' }));
        }
      }
    }
    // The mirror's bucket, the jobs' reports and the origin's request records: each the test's own, emptied and deleted.
    const buckets = 1 + (scenario.jobs ? 1 : 0) + (scenario.countOriginRequests ? 1 : 0);
    test.resourceCountIs('AWS::S3::Bucket', buckets);
    test.resourceCountIs('Custom::S3AutoDeleteObjects', buckets);
    const emptied = Object.values(test.findResources('Custom::S3AutoDeleteObjects')).map((resource) => resource.Properties.BucketName.Ref).sort();
    expect(emptied).toEqual(Object.keys(test.findResources('AWS::S3::Bucket')).sort());
    for (const bucket of Object.values(test.findResources('AWS::S3::Bucket'))) expect(bucket.DeletionPolicy).toBe('Delete');
    // Lease tables and the jobs' log groups go with the stack too (checked above: every DeletionPolicy is Delete).
    for (const table of Object.values(test.findResources('AWS::DynamoDB::Table'))) expect(table.DeletionPolicy).toBe('Delete');
  });
});
