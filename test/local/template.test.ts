/**
 * What the local stack reads from a synthesized template: every mirror a
 * behaviour serves (its staged asset, handler and environment, its function
 * URL, its bucket and that bucket's CORS rules), and every behaviour of the
 * distribution in CloudFront's order with its origin group, policies,
 * functions and CORS; a behaviour on a plain origin is read as one the local
 * stack does not run.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { Duration, Size } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import { synthesizeForTest } from './helpers';
import { allows, forwardingRules, union } from '../../local/cloudfront-policies';
import { resolveValue } from '../../local/intrinsics';
import { readMirrorSpec } from '../../local/template';
import { MirrorOrigin, MirrorOriginDistribution } from '../../src';
import { ENVIRONMENT_VARIABLES } from '../../src/config';

describe('from the template of MirrorOriginDistribution', () => {
  let defaults: ReturnType<typeof synthesizeForTest>;
  let custom: ReturnType<typeof synthesizeForTest>;
  beforeAll(() => {
    defaults = synthesizeForTest((stack) => new MirrorOriginDistribution(stack, 'Mirror', { endpoint: 'https://old.example.com/assets' }));
    custom = synthesizeForTest((stack) => new MirrorOriginDistribution(stack, 'Mirror', {
      endpoint: 'https://old.example.com',
      keyPrefix: 'mirror/',
      forwardHeaders: ['Accept-Language'],
      fallbackStatusCodes: [403, 404],
      defaultRootObject: 'home.html',
      streamThreshold: Size.mebibytes(2),
      handlerTimeout: Duration.seconds(42),
      memorySize: 512,
      reservedConcurrency: 3,
      variantQueryStrings: ['x-oss-process'],
    }));
  });
  afterAll(() => {
    defaults?.dispose();
    custom?.dispose();
  });

  test('the function: its staged asset, handler, environment (bucket resolved), timeout and memory', () => {
    const fn = defaults.spec.function;
    expect(fn.handler).toBe('index.handler');
    expect(existsSync(path.join(fn.assetDir, 'index.js'))).toBe(true);
    expect(path.basename(fn.assetDir)).toMatch(/^asset\./);
    expect(fn.environment[ENVIRONMENT_VARIABLES.bucketName]).toBe(defaults.spec.bucketName);
    expect(fn.environment[ENVIRONMENT_VARIABLES.endpoint]).toBe('https://old.example.com/assets');
    expect(fn.reservedConcurrency).toBeUndefined();

    const c = custom.spec.function;
    expect(c).toMatchObject({ timeoutSeconds: 42, memoryMb: 512, reservedConcurrency: 3 });
    expect(c.environment[ENVIRONMENT_VARIABLES.streamThresholdBytes]).toBe(String(2 * 1024 * 1024));
    expect(c.environment[ENVIRONMENT_VARIABLES.keyPrefix]).toBe('mirror/');
  });

  test('the function URL: AWS_IAM, response streaming', () => {
    expect(defaults.spec.functionUrl).toMatchObject({ authType: 'AWS_IAM', invokeMode: 'RESPONSE_STREAM' });
  });

  test('the distribution: one default behaviour, its origin group, failover codes, root object, origin path, methods, forwarding', () => {
    const { distribution, mirrors } = defaults.spec;
    expect(distribution.defaultRootObject).toBe('index.html');
    expect(mirrors).toHaveLength(1);
    expect(defaults.spec.pathPatterns).toEqual(['*']);
    const [d] = distribution.behaviors;
    expect(distribution.behaviors).toHaveLength(1);
    expect(d).toMatchObject({
      pathPattern: '*',
      allowedMethods: ['GET', 'HEAD', 'OPTIONS'],
      primary: { kind: 's3', originPath: '', signed: true, bucketName: defaults.spec.bucketName },
      fallback: { kind: 'function-url', signed: true, functionUrlLogicalId: defaults.spec.functionUrl.logicalId, domainName: defaults.spec.functionUrl.host },
      failoverStatusCodes: [404],
    });
    expect(d.cors).toBeUndefined();
    expect(defaults.spec.buckets).toEqual([{ name: defaults.spec.bucketName, cors: [] }]);
    expect(d.forwarding.headers).toEqual({ kind: 'none' });
    expect(d.forwarding.queryStrings).toEqual({ kind: 'none' });
    expect(d.forwarding.acceptEncoding).toEqual({ gzip: true, brotli: true });

    const c = custom.spec.distribution;
    expect(c).toMatchObject({ defaultRootObject: 'home.html', behaviors: [{ primary: { originPath: '/mirror' }, failoverStatusCodes: [403, 404] }] });
    expect(allows(c.behaviors[0].forwarding.headers, 'accept-language')).toBe(true);
    expect(allows(c.behaviors[0].forwarding.headers, 'cookie')).toBe(false);
  });

  test('a viewer-request CloudFront Function comes with its code, for the local CloudFront to run', () => {
    expect(defaults.spec.distribution.behaviors[0].functionAssociations).toEqual([]);
    const [association] = custom.spec.distribution.behaviors[0].functionAssociations;
    expect(association).toMatchObject({ eventType: 'viewer-request', runtime: 'cloudfront-js-2.0' });
    expect(association.code).toMatch(/function handler\(event\)/);
  });

  test('a template synthesized without asset metadata is refused with the fix', () => {
    const template = JSON.parse(JSON.stringify(defaults.template));
    for (const resource of Object.values<any>(template.Resources)) delete resource.Metadata;
    expect(() => readMirrorSpec(template, '/nowhere')).toThrow(/aws:cdk:enable-asset-metadata/);
  });
});

describe('several mirrors, CORS, and a distribution of your own', () => {
  let two: ReturnType<typeof synthesizeForTest>;
  let own: ReturnType<typeof synthesizeForTest>;
  beforeAll(() => {
    two = synthesizeForTest((stack) => {
      const site = new MirrorOriginDistribution(stack, 'Mirror', { endpoint: 'https://old.example.com', cors: { allowedOrigins: ['https://app.example'] } });
      site.addMirror('/legacy/*', { endpoint: 'https://legacy.example.com/base' });
    });
    own = synthesizeForTest((stack) => {
      const assets = new MirrorOrigin(stack, 'Assets', { endpoint: 'https://cdn.example.com' });
      new cloudfront.Distribution(stack, 'Site', {
        defaultBehavior: { origin: new origins.HttpOrigin('app.example.com'), responseHeadersPolicy: cloudfront.ResponseHeadersPolicy.SECURITY_HEADERS },
        errorResponses: MirrorOrigin.errorResponses(),
      }).addBehavior('/assets/*', assets.origin, assets.behaviorOptions);
    });
  });
  afterAll(() => {
    two?.dispose();
    own?.dispose();
  });

  test('every behaviour in CloudFront\'s order, the default last, each on its own origin group', () => {
    const [legacy, main] = two.spec.distribution.behaviors;
    expect(two.spec.distribution.behaviors.map((b) => b.pathPattern)).toEqual(['/legacy/*', '*']);
    expect(legacy.primary).toMatchObject({ kind: 's3', bucketName: two.spec.bucketName, originPath: '' });
    expect(main.primary).toMatchObject({ kind: 's3', bucketName: two.spec.bucketName, originPath: '' });
    expect(legacy.primary.id).not.toBe(main.primary.id);
    expect(legacy.fallback!.functionUrlLogicalId).not.toBe(main.fallback!.functionUrlLogicalId);
  });

  test('a mirror per function URL, each with its own endpoint and function; the default one is the default behaviour\'s', () => {
    const { mirrors } = two.spec;
    expect(mirrors.map((m) => m.pathPatterns)).toEqual([['/legacy/*'], ['*']]);
    expect(mirrors.map((m) => m.function.environment[ENVIRONMENT_VARIABLES.endpoint])).toEqual(['https://legacy.example.com/base', 'https://old.example.com']);
    // addMirror shares the default mirror's bucket.
    expect(mirrors.map((m) => m.bucketName)).toEqual([two.spec.bucketName, two.spec.bucketName]);
    expect(new Set(mirrors.map((m) => m.function.logicalId)).size).toBe(2);
    expect(new Set(mirrors.map((m) => m.functionUrl.host)).size).toBe(2);
    for (const mirror of mirrors) expect(existsSync(path.join(mirror.function.assetDir, 'index.js'))).toBe(true);
    const [legacy, main] = two.spec.distribution.behaviors;
    expect(legacy.fallback!.functionUrlLogicalId).toBe(mirrors[0].functionUrl.logicalId);
    expect(main.fallback!.functionUrlLogicalId).toBe(mirrors[1].functionUrl.logicalId);
    expect(two.spec).toMatchObject({ function: mirrors[1].function, functionUrl: mirrors[1].functionUrl, pathPatterns: ['*'] });
  });

  test('cors: the bucket\'s CORS rules and the behaviour\'s response headers policy; the other behaviour has neither policy nor CORS forwarding', () => {
    expect(two.spec.buckets).toEqual([{
      name: two.spec.bucketName,
      cors: [{ allowedOrigins: ['https://app.example'], allowedMethods: ['GET', 'HEAD'], allowedHeaders: ['*'], exposedHeaders: [], maxAgeSeconds: 3600 }],
    }]);
    const [legacy, main] = two.spec.distribution.behaviors;
    expect(main.cors).toEqual({
      allowOrigins: ['https://app.example'],
      allowMethods: ['GET', 'HEAD', 'OPTIONS'],
      allowHeaders: ['*'],
      exposeHeaders: [],
      allowCredentials: false,
      maxAgeSeconds: 3600,
      originOverride: true,
    });
    for (const header of ['origin', 'access-control-request-method', 'access-control-request-headers']) {
      expect(allows(main.forwarding.headers, header)).toBe(true);
      expect(allows(legacy.forwarding.headers, header)).toBe(false);
    }
    expect(legacy.cors).toBeUndefined();
  });

  test('a distribution of your own: the mirror on /assets/*, the default behaviour on a plain origin the local stack does not run', () => {
    const [assets, app] = own.spec.distribution.behaviors;
    expect(assets).toMatchObject({ pathPattern: '/assets/*', primary: { kind: 's3' }, fallback: { kind: 'function-url' } });
    // Its managed policy is not modelled, and need not be: the behaviour is answered 502 locally.
    expect(app).toMatchObject({ pathPattern: '*', primary: { kind: 'other', domainName: 'app.example.com' }, functionAssociations: [] });
    expect(app.fallback).toBeUndefined();
    expect(own.spec.mirrors).toHaveLength(1);
    expect(own.spec.pathPatterns).toEqual(['/assets/*']);
    expect(own.spec.function.environment[ENVIRONMENT_VARIABLES.endpoint]).toBe('https://cdn.example.com');
    expect(own.spec.distribution.defaultRootObject).toBeUndefined();
  });

  test('a mirror behaviour with a response headers policy the local CloudFront would apply only in part is refused, naming it', () => {
    expect(() => synthesizeForTest((stack) => new MirrorOriginDistribution(stack, 'Mirror', {
      endpoint: 'https://old.example.com',
      responseHeadersPolicy: new cloudfront.ResponseHeadersPolicy(stack, 'Security', {
        securityHeadersBehavior: { contentTypeOptions: { override: true } },
      }),
    }))).toThrow(/DefaultCacheBehavior: the response headers policy has SecurityHeadersConfig, which the local CloudFront does not model/);

    const template = JSON.parse(JSON.stringify(two.template));
    const dist = Object.values<any>(template.Resources).find((r) => r.Type === 'AWS::CloudFront::Distribution');
    dist.Properties.DistributionConfig.DefaultCacheBehavior.ResponseHeadersPolicyId = '60669652-455b-4ae9-85a4-c4c02393f86c';
    expect(() => readMirrorSpec(template, '/nowhere')).toThrow(/DefaultCacheBehavior: the response headers policy "60669652-.*" is not in the template/);
  });

  test('a distribution without any mirror is refused: the local stack would have nothing to run', () => {
    const template = JSON.parse(JSON.stringify(own.template));
    const dist = Object.values<any>(template.Resources).find((r) => r.Type === 'AWS::CloudFront::Distribution');
    dist.Properties.DistributionConfig.CacheBehaviors = [];
    expect(() => readMirrorSpec(template, '/nowhere')).toThrow(/no behaviour is a mirror/);
  });
});

describe('intrinsic functions', () => {
  const resolve = (id: string, attribute?: string) => (id === 'B' ? (attribute ? `${attribute}-of-b` : 'bucket-b') : undefined);

  test('Ref, GetAtt, Join, Split, Select and Sub resolve to local values', () => {
    expect(resolveValue({ Ref: 'B' }, resolve, 'x')).toBe('bucket-b');
    expect(resolveValue({ 'Fn::GetAtt': ['B', 'Arn'] }, resolve, 'x')).toBe('Arn-of-b');
    expect(resolveValue({ 'Fn::Join': ['-', [{ Ref: 'AWS::Region' }, { Ref: 'B' }]] }, resolve, 'x')).toBe('us-east-1-bucket-b');
    expect(resolveValue({ 'Fn::Select': [1, { 'Fn::Split': ['/', 'a/b/c'] }] }, resolve, 'x')).toBe('b');
    expect(resolveValue({ 'Fn::Sub': '${B}.${B.DomainName}.${AWS::AccountId}' }, resolve, 'x')).toBe('bucket-b.DomainName-of-b.123456789012');
  });

  test('anything else is an error naming where it was', () => {
    expect(() => resolveValue({ Ref: 'Unknown' }, resolve, 'Fn.Environment.X')).toThrow(/Fn\.Environment\.X.*Ref Unknown/);
    expect(() => resolveValue({ 'Fn::ImportValue': 'x' }, resolve, 'here')).toThrow(/Fn::ImportValue is not supported/);
  });
});

describe('cache and origin request policies', () => {
  test('both policies forward their lists; managed policies are known by ID', () => {
    const rules = forwardingRules(
      { CachePolicyId: '658327ea-f89d-4fab-a63d-7e88639e58f6', OriginRequestPolicyId: 'b689b0a8-53d0-40ab-baf2-68738e2966ac' },
      (reference) => reference as string,
    );
    expect(allows(rules.headers, 'x-anything')).toBe(true);
    expect(allows(rules.headers, 'host')).toBe(false);
    expect(rules.queryStrings).toEqual({ kind: 'all' });
    expect(rules.acceptEncoding).toEqual({ gzip: true, brotli: true });
    expect(() => forwardingRules({ CachePolicyId: 'not-a-managed-id' }, (reference) => reference as string)).toThrow(/not modelled/);
  });

  test('union of lists', () => {
    const only = (...names: string[]) => ({ kind: 'only' as const, names: new Set(names) });
    const except = (...names: string[]) => ({ kind: 'allExcept' as const, names: new Set(names) });
    expect(union({ kind: 'none' }, only('a'))).toEqual(only('a'));
    expect(union(only('a'), only('b'))).toEqual(only('a', 'b'));
    expect(union(except('a', 'b'), only('a'))).toEqual(except('b'));
    expect(union(except('a', 'b'), except('b', 'c'))).toEqual(except('b'));
    expect(union(only('a'), { kind: 'all' })).toEqual({ kind: 'all' });
  });
});
