/**
 * cdk-nag (AwsSolutions) finds nothing on the jobs' resources that is not acknowledged with a reason, in each
 * configuration that changes them; and every acknowledgement names a finding that is really there.
 */
import { App, Stack, Validations } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { MirrorJobs, MirrorJobsProps, MirrorOriginDistribution } from '../../src';

type Violation = { ruleName: string; violatingResources: { constructPath: string }[] };

const CONFIGURATIONS: Array<[string, (stack: Stack, mirror: MirrorOriginDistribution) => Partial<MirrorJobsProps>]> = [
  ['the defaults', () => ({})],
  ['a mirror under a key prefix in an SSE-KMS bucket, reports in a bucket of the app', (stack) => ({
    reportsBucket: new s3.Bucket(stack, 'Reports', { enforceSSL: true, serverAccessLogsPrefix: 'logs/' }),
    reportsPrefix: 'runs/',
  })],
  ['the mirror addMirror() made, sharing the bucket', () => ({})],
];

describe.each(CONFIGURATIONS)('%s', (name, props) => {
  const app = new App();
  const stack = new Stack(app, 'Stack');
  const kmsBucket = name.includes('SSE-KMS')
    ? new s3.Bucket(stack, 'Own', { encryption: s3.BucketEncryption.KMS, encryptionKey: new kms.Key(stack, 'Key', { enableKeyRotation: true }), enforceSSL: true })
    : undefined;
  const distribution = new MirrorOriginDistribution(stack, 'Mirror', { endpoint: 'https://example.com', keyPrefix: kmsBucket ? 'm/' : undefined, bucket: kmsBucket });
  const mirror = name.includes('addMirror') ? distribution.addMirror('/legacy/*', { endpoint: 'https://legacy.example.com' }) : distribution.mirror;
  const jobs = new MirrorJobs(stack, 'Jobs', { mirror, ...props(stack, distribution) });
  const report = new AwsSolutionsChecks().validateScope(stack);
  const violations = (report.violations as unknown as Violation[])
    .flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath}`))
    .filter((finding) => finding.includes(' at Stack/Jobs/'));

  test('no unacknowledged finding on the jobs', () => {
    expect(violations).toEqual([]);
  });

  test('each acknowledgement has a reason, and the checks find what it acknowledges once it is gone', () => {
    const acknowledged = jobs.node.findAll().flatMap((c) => c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY))
      .flatMap((m) => Object.entries(m.data as Record<string, string>));
    expect(acknowledged.length).toBeGreaterThan(5);
    for (const [, reason] of acknowledged) expect(reason.length).toBeGreaterThan(40);
    // Stripped of its acknowledgements the same stack has findings: the acknowledgements are what silence them.
    for (const c of jobs.node.findAll()) {
      const kept = c.node.metadata.filter((m) => m.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY);
      (c.node as unknown as { _metadata: unknown[] })._metadata = kept;
    }
    const found = new Set((new AwsSolutionsChecks().validateScope(stack).violations as unknown as Violation[])
      .filter((v) => v.violatingResources.some((r) => r.constructPath.startsWith('Stack/Jobs/')))
      .map((v) => v.ruleName));
    const ids = new Set(acknowledged.map(([id]) => id.replace(/^annotation::/i, '')));
    expect([...ids].filter((id) => !found.has(id))).toEqual([]);
  });
});
