import { App, Duration, Size, Stack, Validations } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { MirrorOrigin, MirrorOriginDistribution, MirrorOriginDistributionProps } from '../src';

type Violation = { ruleName: string; severity: string; violatingResources: { constructPath: string }[] };

/** A stack "Stack" with the construct at "Stack/Mirror". */
function build(props: (stack: Stack) => Partial<MirrorOriginDistributionProps> = () => ({})): { app: App; mirror: MirrorOriginDistribution } {
  const app = new App();
  const stack = new Stack(app, 'Stack');
  const mirror = new MirrorOriginDistribution(stack, 'Mirror', { endpoint: 'https://example.com', ...props(stack) });
  return { app, mirror };
}

/** AwsSolutions findings (errors and warnings) on the construct's resources, as "rule at path". */
function findings(scope: IConstruct): string[] {
  const report = new AwsSolutionsChecks().validateScope(scope);
  return (report.violations as unknown as Violation[])
    .flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} (${v.severity}) at ${r.constructPath}`))
    .filter((finding) => finding.includes(' at Stack/Mirror/'))
    .sort();
}

/** The acknowledgements recorded in the construct's subtree: rule id -> reason. */
function acknowledgements(mirror: MirrorOriginDistribution): Map<string, string> {
  const found = new Map<string, string>();
  for (const construct of mirror.node.findAll()) {
    for (const entry of construct.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
        found.set(`${id.replace(/^annotation::/i, '')} at ${construct.node.path}`, reason);
      }
    }
  }
  return found;
}

const CONFIGURATIONS: [string, (stack: Stack) => Partial<MirrorOriginDistributionProps>][] = [
  ['the defaults', () => ({})],
  ['a key prefix in an imported bucket', (stack) => ({ keyPrefix: 'mirror/', bucket: s3.Bucket.fromBucketName(stack, 'Imported', 'my-bucket') })],
  ['an SSE-KMS bucket of the app', (stack) => ({
    bucket: new s3.Bucket(stack, 'Own', { encryption: s3.BucketEncryption.KMS, encryptionKey: new kms.Key(stack, 'Key', { enableKeyRotation: true }) }),
  })],
  ['every distribution option', (stack) => ({
    keyPrefix: 'a/b/',
    forwardHeaders: ['Accept-Language'],
    originHeaders: { 'X-Secret': 'x' },
    cachePolicy: new cloudfront.CachePolicy(stack, 'Policy'),
    domainNames: ['cdn.example.com'],
    certificate: acm.Certificate.fromCertificateArn(stack, 'Cert', 'arn:aws:acm:us-east-1:123456789012:certificate/abc'),
    webAclId: 'arn:aws:wafv2:us-east-1:123456789012:global/webacl/mirror/0000',
    geoRestriction: cloudfront.GeoRestriction.denylist('AQ'),
    enableLogging: true,
    reservedConcurrency: 10,
  })],
  ['operations: an origin budget with its automatic reset, and the dashboard', () => ({
    originBudget: { bytesPerHour: Size.gibibytes(5), requestsPerMinute: 600, resetAfter: Duration.hours(1) },
    dashboard: true,
    reservedConcurrency: 50,
  })],
];

describe('cdk-nag AwsSolutions over the construct', () => {
  test.each(CONFIGURATIONS)('no unacknowledged finding, error or warning: %s', (_, props) => {
    const { app } = build(props);
    expect(findings(app)).toEqual([]);
  });

  test.each(CONFIGURATIONS)('every acknowledgement answers a real finding, with a specific reason: %s', (_, props) => {
    const acknowledged = acknowledgements(build(props).mirror);
    // The same construct built with its acknowledgements switched off (aws-cdk-lib's public API, recorded but not
    // applied): what a user would see without the construct's reasons.
    const silenced = jest.spyOn(Validations.prototype, 'acknowledge').mockImplementation(() => undefined);
    let raw: string[][];
    try {
      raw = findings(build(props).app).map((finding) => finding.split(/ \((?:error|warning)\) at /));
      expect(silenced).toHaveBeenCalled();
    } finally {
      silenced.mockRestore();
    }
    const acks = [...acknowledged.keys()].map((ack) => ack.split(' at '));
    // Without the acknowledgements the pack reports exactly what the construct acknowledges: each finding is
    // on a resource under an acknowledging construct, and each acknowledgement covers at least one finding.
    const covers = ([rule, scope]: string[], [ruleFound, path]: string[]) => rule === ruleFound && path.startsWith(`${scope}/`);
    for (const finding of raw) expect(acks.filter((ack) => covers(ack, finding))).toHaveLength(1);
    for (const ack of acks) expect(raw.filter((finding) => covers(ack, finding)).length).toBeGreaterThan(0);
    expect(raw.length).toBeGreaterThan(0);
    const reasons = [...acknowledged.values()];
    expect(new Set(reasons).size).toBe(reasons.length);
    for (const reason of reasons) expect(reason.length).toBeGreaterThan(60);
  });

  test('the defaults need exactly these acknowledgements', () => {
    const { mirror } = build();
    expect([...acknowledgements(mirror).keys()].sort()).toEqual([
      'AwsSolutions-CFR1 at Stack/Mirror/Distribution',
      'AwsSolutions-CFR2 at Stack/Mirror/Distribution',
      'AwsSolutions-CFR3 at Stack/Mirror/Distribution',
      'AwsSolutions-CFR4 at Stack/Mirror/Distribution',
      'AwsSolutions-DDB3 at Stack/Mirror/Default/LeaseTable',
      'AwsSolutions-IAM5[Resource::<MirrorBucket2EA7A1D4.Arn>/*] at Stack/Mirror/Default/HandlerRole',
      'AwsSolutions-S1 at Stack/Mirror/Default/Bucket',
    ]);
  });

  test('with every distribution option set, only the wildcard under the key prefix and the log bucket remain acknowledged', () => {
    const { mirror } = build(CONFIGURATIONS[3][1]);
    expect([...acknowledgements(mirror).keys()].sort()).toEqual([
      'AwsSolutions-DDB3 at Stack/Mirror/Default/LeaseTable',
      'AwsSolutions-IAM5[Resource::<MirrorBucket2EA7A1D4.Arn>/a/b/*] at Stack/Mirror/Default/HandlerRole',
      'AwsSolutions-S1 at Stack/Mirror/Default/Bucket',
      'AwsSolutions-S1 at Stack/Mirror/LogBucket',
    ]);
  });

  test('registered as cdk-nag 3 expects (Validations.addPlugins), synth passes', () => {
    const { app } = build();
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).not.toThrow();
  });

  test('registered the same way, synth fails on a finding nobody acknowledged', () => {
    const { app } = build((stack) => ({ bucket: new s3.Bucket(stack, 'Unlogged') }));
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).toThrow(/AwsSolutions-S1[\s\S]*Stack\/Unlogged/);
  });
});

describe('cdk-nag AwsSolutions over MirrorOrigin', () => {
  test('addMirror with cors and Origin Shield: no unacknowledged finding under the construct', () => {
    const { app, mirror } = build(() => ({ cors: { allowedOrigins: ['https://app.example.com'] } }));
    mirror.addMirror('/legacy/*', { endpoint: 'https://legacy.example.com', originShieldRegion: 'us-east-1', keyPrefix: 'legacy/' });
    expect(findings(app)).toEqual([]);
    expect([...acknowledgements(mirror).keys()].filter((ack) => ack.includes('MirrorLegacy'))).toEqual([
      'AwsSolutions-DDB3 at Stack/Mirror/MirrorLegacy/LeaseTable',
      'AwsSolutions-IAM5[Resource::<MirrorBucket2EA7A1D4.Arn>/legacy/*] at Stack/Mirror/MirrorLegacy/HandlerRole',
    ]);
  });

  test('on a distribution of the user\'s own: nothing to acknowledge on the mirror\'s resources, and nothing on the user\'s', () => {
    const app = new App();
    const stack = new Stack(app, 'Stack');
    const site = new cloudfront.Distribution(stack, 'Site', {
      defaultBehavior: { origin: new origins.HttpOrigin('app.example.com') },
      errorResponses: MirrorOrigin.errorResponses(),
    });
    const assets = new MirrorOrigin(stack, 'Mirror', { endpoint: 'https://old.example.com' });
    site.addBehavior('/assets/*', assets.origin, assets.behaviorOptions);
    // findings() keeps what is under Stack/Mirror/: the mirror's own resources.
    expect(findings(app)).toEqual([]);
    const report = new AwsSolutionsChecks().validateScope(app);
    const onSite = (report.violations as unknown as Violation[]).flatMap((v) => v.violatingResources
      .filter((r) => r.constructPath.startsWith('Stack/Site')).map(() => v.ruleName));
    // The user's distribution is the user's to judge: the construct acknowledges nothing there.
    expect(onSite).toEqual(expect.arrayContaining(['AwsSolutions-CFR1', 'AwsSolutions-CFR2', 'AwsSolutions-CFR3', 'AwsSolutions-CFR4']));
  });
});
