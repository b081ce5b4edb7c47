import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { MirrorOrigin, MirrorOriginDistribution } from '../src';
import { ENVIRONMENT_VARIABLES } from '../src/config';

/** The distribution's config in `template` (there must be exactly one). */
function distributionConfig(template: Template): any {
  const [distribution] = Object.values<any>(template.findResources('AWS::CloudFront::Distribution'));
  return distribution.Properties.DistributionConfig;
}

/** Endpoint of each handler, by the logical id of its function. */
function endpoints(template: Template): Record<string, string> {
  return Object.fromEntries(Object.entries<any>(template.findResources('AWS::Lambda::Function'))
    .map(([id, fn]) => [id, fn.Properties.Environment.Variables[ENVIRONMENT_VARIABLES.endpoint]]));
}

/** The target of each behaviour, by path pattern ("*" for the default), and each origin group's members' origin types. */
function routes(template: Template): Record<string, { group: string; origins: string[] }> {
  const config = distributionConfig(template);
  const oacs = template.findResources('AWS::CloudFront::OriginAccessControl');
  const originById = new Map<string, any>(config.Origins.map((o: any) => [o.Id, o]));
  const describe = (groupId: string) => {
    const group = config.OriginGroups.Items.find((g: any) => g.Id === groupId);
    if (!group) return { group: groupId, origins: ['(not an origin group)'] };
    return {
      group: groupId,
      origins: group.Members.Items.map(({ OriginId }: any) => {
        const origin = originById.get(OriginId);
        const oac = oacs[origin.OriginAccessControlId['Fn::GetAtt'][0]].Properties.OriginAccessControlConfig;
        return `${oac.OriginAccessControlOriginType} ${JSON.stringify(origin.DomainName)}`;
      }),
    };
  };
  return Object.fromEntries([
    ['*', describe(config.DefaultCacheBehavior.TargetOriginId)],
    ...(config.CacheBehaviors ?? []).map((b: any) => [b.PathPattern, describe(b.TargetOriginId)]),
  ]);
}

/** A user's own distribution, with the props a mirror needs unless `props` replaces them. */
function ownDistribution(stack: Stack, props: Partial<cloudfront.DistributionProps> = {}): cloudfront.Distribution {
  return new cloudfront.Distribution(stack, 'Site', {
    defaultBehavior: { origin: new origins.HttpOrigin('app.example.com') },
    errorResponses: MirrorOrigin.errorResponses(),
    ...props,
  });
}

/** The error app.synth() fails with, or undefined. */
function synthError(app: App): string | undefined {
  try {
    app.synth();
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

describe('MirrorOriginDistribution.addMirror: another endpoint on a path pattern', () => {
  const app = new App();
  const stack = new Stack(app, 'Stack');
  const site = new MirrorOriginDistribution(stack, 'Mirror', { endpoint: 'https://images.example.com' });
  const legacy = site.addMirror('/legacy/*', { endpoint: 'https://legacy.example.com/old' });
  const template = Template.fromStack(stack);

  test('two origin groups, each a bucket then a function URL, both with OAC; /legacy/* goes to the second', () => {
    const byPattern = routes(template);
    expect(Object.keys(byPattern)).toEqual(['*', '/legacy/*']);
    expect(byPattern['*'].group).not.toEqual(byPattern['/legacy/*'].group);
    for (const route of Object.values(byPattern)) {
      expect(route.origins.map((o) => o.split(' ')[0])).toEqual(['s3', 'lambda']);
    }
    // Both groups read the one shared bucket; each falls back to its own function URL.
    expect(byPattern['*'].origins[0]).toEqual(byPattern['/legacy/*'].origins[0]);
    expect(byPattern['*'].origins[1]).not.toEqual(byPattern['/legacy/*'].origins[1]);
    expect(Object.keys(template.findResources('AWS::Lambda::Url'))).toHaveLength(2);
    template.resourcePropertiesCountIs('AWS::Lambda::Url', { AuthType: 'AWS_IAM', InvokeMode: 'RESPONSE_STREAM' }, 2);
    expect(Object.keys(template.findResources('AWS::CloudFront::OriginAccessControl'))).toHaveLength(4);
  });

  test('each handler is configured with its own endpoint; the new mirror shares the default bucket', () => {
    expect(Object.values(endpoints(template)).sort()).toEqual(['https://images.example.com', 'https://legacy.example.com/old']);
    expect(Object.keys(template.findResources('AWS::S3::Bucket'))).toHaveLength(1);
    expect(legacy.bucket).toBe(site.bucket);
    expect(legacy.node.path).toBe('Stack/Mirror/MirrorLegacy');
  });

  test('the behaviour of /legacy/* takes the mirror\'s own policies and methods', () => {
    const behaviour = distributionConfig(template).CacheBehaviors[0];
    expect(behaviour).toMatchObject({
      PathPattern: '/legacy/*',
      AllowedMethods: ['GET', 'HEAD', 'OPTIONS'],
      CachedMethods: ['GET', 'HEAD'],
      ViewerProtocolPolicy: 'redirect-to-https',
      Compress: true,
    });
    // Its own cache policy, not the default behaviour's (each mirror's TTLs are its own).
    const policies = Object.keys(template.findResources('AWS::CloudFront::CachePolicy'));
    expect(policies).toHaveLength(2);
    expect(policies).toContain(behaviour.CachePolicyId.Ref);
    expect(behaviour.CachePolicyId).not.toEqual(distributionConfig(template).DefaultCacheBehavior.CachePolicyId);
  });

  test('a mirror with a bucket of its own keeps it', () => {
    const other = new Stack(new App(), 'Stack');
    const distribution = new MirrorOriginDistribution(other, 'Mirror', { endpoint: 'https://a.example.com' });
    const own = new s3.Bucket(other, 'Downloads');
    expect(distribution.addMirror('/downloads/*', { endpoint: 'https://b.example.com', bucket: own }).bucket).toBe(own);
    expect(Object.keys(Template.fromStack(other).findResources('AWS::S3::Bucket'))).toHaveLength(2);
  });

  test('a path pattern already served is refused, naming it', () => {
    const other = new Stack(new App(), 'Stack');
    const distribution = new MirrorOriginDistribution(other, 'Mirror', { endpoint: 'https://a.example.com' });
    distribution.addMirror('/legacy/*', { endpoint: 'https://b.example.com' });
    expect(() => distribution.addMirror('/legacy/*', { endpoint: 'https://c.example.com' }))
      .toThrow(/^\[Stack\/Mirror\] addMirror pathPattern "\/legacy\/\*" already has a mirror \(Stack\/Mirror\/MirrorLegacy\)$/);
    expect(() => distribution.addMirror('*', { endpoint: 'https://c.example.com' })).toThrow(/pathPattern "\*" is the default mirror's/);
  });

  test('a bad prop of the new mirror names its own path', () => {
    const other = new Stack(new App(), 'Stack');
    const distribution = new MirrorOriginDistribution(other, 'Mirror', { endpoint: 'https://a.example.com' });
    expect(() => distribution.addMirror('/x/*', { endpoint: 'ftp://b.example.com' })).toThrow(/^\[Stack\/Mirror\/MirrorX\] endpoint must be an absolute http\(s\) URL/);
  });
});

describe('a MirrorOrigin on a distribution of the user\'s own', () => {
  test('an app on "/" and the mirror on /assets/*: the mirror\'s group serves only /assets/*, and synth passes', () => {
    const app = new App();
    const stack = new Stack(app, 'Stack');
    const site = ownDistribution(stack);
    const assets = new MirrorOrigin(stack, 'Assets', { endpoint: 'https://old.example.com' });
    site.addBehavior('/assets/*', assets.origin, assets.behaviorOptions);
    const template = Template.fromStack(stack);
    const config = distributionConfig(template);
    expect(config.DefaultCacheBehavior.TargetOriginId).toBe(config.Origins[0].Id);
    const byPattern = routes(template);
    expect(byPattern['*'].origins).toEqual(['(not an origin group)']);
    expect(byPattern['/assets/*'].origins.map((o) => o.split(' ')[0])).toEqual(['s3', 'lambda']);
    expect(Object.values(endpoints(template))).toEqual(['https://old.example.com']);
    expect(synthError(app)).toBeUndefined();
  });

  test('the mirror in another stack than the distribution is refused at once, with the reason and the fix', () => {
    const app = new App();
    const site = ownDistribution(new Stack(app, 'Web'));
    const assets = new MirrorOrigin(new Stack(app, 'Mirrors'), 'Assets', { endpoint: 'https://old.example.com' });
    expect(() => site.addBehavior('/assets/*', assets.origin, assets.behaviorOptions)).toThrow(
      /^\[Mirrors\/Assets\] origin must be bound to a distribution in this mirror's stack \(Mirrors\), got Web\/Site in Web: .*reference cycle.*Define the MirrorOrigin in the distribution's stack$/);
  });

  test('an origin bound twice to the same distribution is bound once and checked once', () => {
    const app = new App();
    const stack = new Stack(app, 'Stack');
    const site = ownDistribution(stack);
    const assets = new MirrorOrigin(stack, 'Assets', { endpoint: 'https://old.example.com' });
    site.addBehavior('/assets/*', assets.origin, assets.behaviorOptions);
    site.addBehavior('/static/*', assets.origin, assets.behaviorOptions);
    const config = distributionConfig(Template.fromStack(stack));
    expect(config.OriginGroups.Quantity).toBe(1);
    expect(new Set(config.CacheBehaviors.map((b: any) => b.TargetOriginId)).size).toBe(1);
    expect(synthError(app)).toBeUndefined();
  });
});

describe('what a mirror needs from its distribution fails synth when it is missing, one rule at a time', () => {
  // Every status the handler answers that CloudFront lets a distribution cache: its own and every origin 4xx it passes on.
  const HANDLER_STATUSES = [400, 403, 404, 405, 414, 416, 500, 502, 504];

  /** Builds the user's distribution (props replacing the good ones) with the mirror on `pattern` ("*": the default behaviour). */
  function bound(props: Partial<cloudfront.DistributionProps>, pattern = '/assets/*', mirrorProps = {}): App {
    const app = new App();
    const stack = new Stack(app, 'Stack');
    const assets = new MirrorOrigin(stack, 'Assets', { endpoint: 'https://old.example.com', ...mirrorProps });
    if (pattern === '*') {
      new cloudfront.Distribution(stack, 'Site', {
        defaultBehavior: { origin: assets.origin, ...assets.behaviorOptions },
        errorResponses: MirrorOrigin.errorResponses(),
        defaultRootObject: 'index.html',
        ...props,
      });
    } else {
      ownDistribution(stack, props).addBehavior(pattern, assets.origin, assets.behaviorOptions);
    }
    return app;
  }

  test('the good distribution passes (the control for every rule below)', () => {
    expect(synthError(bound({}))).toBeUndefined();
    expect(synthError(bound({}, '*'))).toBeUndefined();
    expect(synthError(bound({}, '/v/*', { variantQueryStrings: ['x-oss-process'] }))).toBeUndefined();
  });

  test('no errorResponses: CloudFront would keep the handler\'s errors 10 s', () => {
    expect(synthError(bound({ errorResponses: undefined }))).toMatch(new RegExp(
      '\\[Stack/Site\\] errorResponses must cache the errors MirrorOrigin Stack/Assets answers for 0 s, .*; the error-caching minimum TTL ' +
      `is not 0 for ${HANDLER_STATUSES.map((status) => `${status} \\(none, so 10 s\\)`).join(', ')}: add errorResponses: ` +
      'MirrorOrigin.errorResponses\\(\\) to the distribution\'s props'));
  });

  test.each(HANDLER_STATUSES)('%i cached 60 s is named with its TTL', (status) => {
    const errorResponses = MirrorOrigin.errorResponses().map((r) => (r.httpStatus === status ? { ...r, ttl: Duration.seconds(60) } : r));
    const error = synthError(bound({ errorResponses }));
    expect(error).toMatch(new RegExp(`the error-caching minimum TTL is not 0 for ${status} \\(60 s\\): add`));
  });

  test.each([501, 503])('%i, which the handler never answers (it makes every origin 5xx a 502), may be cached', (status) => {
    const errorResponses = MirrorOrigin.errorResponses().map((r) => (r.httpStatus === status ? { ...r, ttl: Duration.seconds(60) } : r));
    expect(synthError(bound({ errorResponses }))).toBeUndefined();
  });

  test.each([404, 416])('a custom page for %i would swallow the misses it answers (a single-page app\'s "404 -> /index.html 200")', (status) => {
    const errorResponses = [
      ...MirrorOrigin.errorResponses().filter((r) => r.httpStatus !== status),
      { httpStatus: status, responseHttpStatus: 200, responsePagePath: '/index.html', ttl: Duration.seconds(0) },
    ];
    expect(synthError(bound({ errorResponses }))).toMatch(new RegExp('\\[Stack/Site\\] errorResponses must not replace the errors MirrorOrigin ' +
      `Stack/Assets answers, .*they rewrite ${status} \\(responseHttpStatus 200, responsePagePath "/index.html"\\): remove those entries \\(`));
  });

  test('a mirror as the default behaviour needs defaultRootObject (its bucket origin may list)', () => {
    expect(synthError(bound({ defaultRootObject: undefined }, '*'))).toMatch(
      /\[Stack\/Site\] defaultRootObject must be set, since MirrorOrigin Stack\/Assets is the default behaviour .*add defaultRootObject: 'index.html'/);
    // On another path pattern, "/" is not the mirror's: no root object is needed.
    expect(synthError(bound({ defaultRootObject: undefined }))).toBeUndefined();
  });

  test('a behaviour without the mirror\'s variant function would store every variant under the plain key', () => {
    const app = new App();
    const stack = new Stack(app, 'Stack');
    const assets = new MirrorOrigin(stack, 'Assets', { endpoint: 'https://old.example.com', variantQueryStrings: ['w'] });
    const { functionAssociations, ...withoutFunction } = assets.behaviorOptions;
    expect(functionAssociations).toHaveLength(1);
    ownDistribution(stack).addBehavior('/img/*', assets.origin, withoutFunction);
    expect(synthError(app)).toMatch(
      /\[Stack\/Site\] the behaviour "\/img\/\*" serves MirrorOrigin Stack\/Assets without its variant CloudFront Function \(variantQueryStrings\)/);
  });
});

describe('originShieldRegion', () => {
  test('sets Origin Shield on both origins of the group, and nothing without it', () => {
    const shielded = Template.fromStack(new MirrorOriginDistribution(new Stack(new App(), 'Stack'), 'Mirror', {
      endpoint: 'https://old.example.com', originShieldRegion: 'eu-west-1',
    }).distribution.stack);
    expect(distributionConfig(shielded).Origins.map((o: any) => o.OriginShield))
      .toEqual([{ Enabled: true, OriginShieldRegion: 'eu-west-1' }, { Enabled: true, OriginShieldRegion: 'eu-west-1' }]);
    const plain = Template.fromStack(new MirrorOriginDistribution(new Stack(new App(), 'Stack'), 'Mirror', {
      endpoint: 'https://old.example.com',
    }).distribution.stack);
    expect(distributionConfig(plain).Origins.map((o: any) => o.OriginShield)).toEqual([undefined, undefined]);
  });

  test('a value that is no Region fails synth', () => {
    expect(() => new MirrorOrigin(new Stack(new App(), 'Stack'), 'Assets', { endpoint: 'https://old.example.com', originShieldRegion: 'Frankfurt' }))
      .toThrow(/^\[Stack\/Assets\] originShieldRegion must be an AWS Region such as "us-east-1", got "Frankfurt"$/);
  });
});
