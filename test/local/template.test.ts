/**
 * What the local stack reads from a synthesized template of
 * `MirrorOriginDistribution`: the staged asset, handler and environment, the
 * function URL, and the distribution's origin group and policies.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { Duration, Size } from 'aws-cdk-lib';
import { synthesizeForTest } from './helpers';
import { allows, forwardingRules, union } from '../../local/cloudfront-policies';
import { resolveValue } from '../../local/intrinsics';
import { readMirrorSpec } from '../../local/template';
import { MirrorOriginDistribution } from '../../src';
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

  test('the distribution: origin group, failover codes, root object, origin path, methods, forwarding', () => {
    const d = defaults.spec.distribution;
    expect(d).toMatchObject({
      defaultRootObject: 'index.html',
      allowedMethods: ['GET', 'HEAD', 'OPTIONS'],
      primary: { kind: 's3', originPath: '', signed: true },
      fallback: { kind: 'function-url', signed: true },
      failoverStatusCodes: [404],
    });
    expect(d.forwarding.headers).toEqual({ kind: 'none' });
    expect(d.forwarding.queryStrings).toEqual({ kind: 'none' });
    expect(d.forwarding.acceptEncoding).toEqual({ gzip: true, brotli: true });

    const c = custom.spec.distribution;
    expect(c).toMatchObject({ defaultRootObject: 'home.html', primary: { originPath: '/mirror' }, failoverStatusCodes: [403, 404] });
    expect(allows(c.forwarding.headers, 'accept-language')).toBe(true);
    expect(allows(c.forwarding.headers, 'cookie')).toBe(false);
  });

  test('a viewer-request CloudFront Function comes with its code, for the local CloudFront to run', () => {
    expect(defaults.spec.distribution.functionAssociations).toEqual([]);
    const [association] = custom.spec.distribution.functionAssociations;
    expect(association).toMatchObject({ eventType: 'viewer-request', runtime: 'cloudfront-js-2.0' });
    expect(association.code).toMatch(/function handler\(event\)/);
  });

  test('a template synthesized without asset metadata is refused with the fix', () => {
    const template = JSON.parse(JSON.stringify(defaults.template));
    for (const resource of Object.values<any>(template.Resources)) delete resource.Metadata;
    expect(() => readMirrorSpec(template, '/nowhere')).toThrow(/aws:cdk:enable-asset-metadata/);
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
