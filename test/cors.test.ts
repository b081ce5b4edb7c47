import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { MirrorOriginDistribution, MirrorOriginDistributionProps } from '../src';

const APP = 'https://app.example.com';

function build(props: Partial<MirrorOriginDistributionProps> | ((stack: Stack) => Partial<MirrorOriginDistributionProps>)) {
  const stack = new Stack(new App(), 'Stack');
  const mirror = new MirrorOriginDistribution(stack, 'Mirror', {
    endpoint: 'https://old.example.com',
    ...(typeof props === 'function' ? props(stack) : props),
  });
  return { stack, mirror, template: Template.fromStack(stack) };
}

function errorOf(props: Parameters<typeof build>[0]): string | undefined {
  try {
    build(props);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

describe('cors: preflight and CORS GET work on hits and misses', () => {
  const { template } = build({ cors: { allowedOrigins: [APP], exposedHeaders: ['ETag'] } });
  const behaviour = Object.values<any>(template.findResources('AWS::CloudFront::Distribution'))[0].Properties.DistributionConfig.DefaultCacheBehavior;

  test('the bucket answers the preflight (S3 answers OPTIONS, whether the object is there or not): GET and HEAD for the origins', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      CorsConfiguration: {
        CorsRules: [{ AllowedOrigins: [APP], AllowedMethods: ['GET', 'HEAD'], AllowedHeaders: ['*'], ExposedHeaders: ['ETag'], MaxAge: 3600 }],
      },
    });
  });

  test('CloudFront forwards what S3 needs to answer a preflight', () => {
    const [id, policy] = Object.entries<any>(template.findResources('AWS::CloudFront::OriginRequestPolicy'))[0];
    expect(policy.Properties.OriginRequestPolicyConfig.HeadersConfig).toEqual({
      HeaderBehavior: 'whitelist', Headers: ['origin', 'access-control-request-method', 'access-control-request-headers'],
    });
    expect(behaviour.OriginRequestPolicyId).toEqual({ Ref: id });
  });

  test('a header forwardHeaders names too is in the policy once, as forwardHeaders spells it', () => {
    const { template: both } = build({ cors: { allowedOrigins: [APP] }, forwardHeaders: ['Origin', 'accept-language'] });
    const policy = Object.values<any>(both.findResources('AWS::CloudFront::OriginRequestPolicy'))[0];
    expect(policy.Properties.OriginRequestPolicyConfig.HeadersConfig.Headers)
      .toEqual(['Origin', 'accept-language', 'access-control-request-method', 'access-control-request-headers']);
  });

  test('a response headers policy adds the CORS headers to every answer, S3\'s or the handler\'s', () => {
    const [id, policy] = Object.entries<any>(template.findResources('AWS::CloudFront::ResponseHeadersPolicy'))[0];
    expect(policy.Properties.ResponseHeadersPolicyConfig.CorsConfig).toEqual({
      AccessControlAllowOrigins: { Items: [APP] },
      AccessControlAllowMethods: { Items: ['GET', 'HEAD', 'OPTIONS'] },
      AccessControlAllowHeaders: { Items: ['*'] },
      AccessControlExposeHeaders: { Items: ['ETag'] },
      AccessControlAllowCredentials: false,
      AccessControlMaxAgeSec: 3600,
      OriginOverride: true,
    });
    expect(behaviour.ResponseHeadersPolicyId).toEqual({ Ref: id });
  });

  test('without cors there is none of it', () => {
    const plain = build({}).template;
    expect(plain.findResources('AWS::CloudFront::ResponseHeadersPolicy')).toEqual({});
    expect(plain.findResources('AWS::CloudFront::OriginRequestPolicy')).toEqual({});
    expect(Object.values<any>(plain.findResources('AWS::S3::Bucket'))[0].Properties.CorsConfiguration).toBeUndefined();
  });

  test('mirrors that share a bucket share its CORS rules: each adds its own', () => {
    const stack = new Stack(new App(), 'Stack');
    const mirror = new MirrorOriginDistribution(stack, 'Mirror', { endpoint: 'https://old.example.com', cors: { allowedOrigins: [APP] } });
    mirror.addMirror('/legacy/*', { endpoint: 'https://legacy.example.com', cors: { allowedOrigins: ['https://other.example.com'] } });
    const buckets = Object.values<any>(Template.fromStack(stack).findResources('AWS::S3::Bucket'));
    expect(buckets).toHaveLength(1);
    expect(buckets[0].Properties.CorsConfiguration.CorsRules.map((r: any) => r.AllowedOrigins)).toEqual([[APP], ['https://other.example.com']]);
  });
});

describe('cors is refused at synth, with the reason and what to do', () => {
  test('with an imported bucket, which has no addCorsRule', () => {
    expect(errorOf((stack) => ({ cors: { allowedOrigins: [APP] }, bucket: s3.Bucket.fromBucketName(stack, 'Imported', 'my-bucket') })))
      .toMatch(/^\[Stack\/Mirror\] cors needs a bucket defined in this app \(s3.Bucket\): an imported bucket has no addCorsRule\. .*aws s3api put-bucket-cors.*responseHeadersPolicy a corsBehavior and forwardHeaders "origin", "access-control-request-method", "access-control-request-headers"$/);
  });

  test('an imported bucket is reported with the other bad props, in one error', () => {
    const error = errorOf((stack) => ({ cors: { allowedOrigins: [APP] }, memorySize: 1, bucket: s3.Bucket.fromBucketName(stack, 'Imported', 'my-bucket') }));
    expect(error?.split('\n')).toEqual([
      expect.stringMatching(/^\[Stack\/Mirror\] memorySize must be an integer from 128 to 10240/),
      expect.stringMatching(/^\[Stack\/Mirror\] cors needs a bucket defined in this app \(s3.Bucket\)/),
    ]);
  });

  test('together with responseHeadersPolicy: a behaviour takes one', () => {
    expect(errorOf((stack) => ({
      cors: { allowedOrigins: [APP] },
      responseHeadersPolicy: new cloudfront.ResponseHeadersPolicy(stack, 'Security', { securityHeadersBehavior: {} }),
    }))).toMatch(/^\[Stack\/Mirror\] cors cannot be combined with responseHeadersPolicy: a behaviour takes one response headers policy/);
  });

  test('when the CORS headers push the origin request policy past 10 headers', () => {
    const headers = (n: number) => Array.from({ length: n }, (_, i) => `x-h${i}`);
    expect(errorOf({ cors: { allowedOrigins: [APP] }, forwardHeaders: headers(7) })).toBeUndefined();
    expect(errorOf({ cors: { allowedOrigins: [APP] }, forwardHeaders: headers(8) })).toMatch(
      /^\[Stack\/Mirror\] cors forwards 3 headers to the origins .*makes 11, over CloudFront's quota of 10 headers .*forward at most 7 headers besides those cors forwards$/);
  });

  test('a header both forwardHeaders and cors forward counts once, whatever its case', () => {
    const headers = [...Array.from({ length: 7 }, (_, i) => `x-h${i}`), 'Origin', 'ACCESS-CONTROL-REQUEST-METHOD'];
    expect(errorOf({ cors: { allowedOrigins: [APP] }, forwardHeaders: headers })).toBeUndefined();
    expect(errorOf({ cors: { allowedOrigins: [APP] }, forwardHeaders: [...headers, 'x-h7'] })).toMatch(/makes 11, over CloudFront's quota of 10 headers/);
  });

  test.each([
    [[], /cors.allowedOrigins must name at least one origin/],
    [['app.example.com'], /cors.allowedOrigins must contain "\*" or origins such as "https:\/\/app.example.com" .*got "app.example.com"/],
    [['https://app.example.com/'], /got "https:\/\/app.example.com\/"/],
    [['https://app.example.com/path'], /got "https:\/\/app.example.com\/path"/],
  ])('allowedOrigins %j', (allowedOrigins, message) => {
    expect(errorOf({ cors: { allowedOrigins } })).toMatch(message);
  });

  test.each([['*'], ['https://*.example.com'], ['http://localhost:3000']])('allowedOrigins [%j] is taken', (origin) => {
    expect(errorOf({ cors: { allowedOrigins: [origin] } })).toBeUndefined();
  });

  test('header names and a whole-second max age', () => {
    expect(errorOf({ cors: { allowedOrigins: [APP], allowedHeaders: ['bad header'] } })).toMatch(/cors.allowedHeaders header name must be an HTTP token/);
    expect(errorOf({ cors: { allowedOrigins: [APP], exposedHeaders: ['x:y'] } })).toMatch(/cors.exposedHeaders header name must be an HTTP token/);
    expect(errorOf({ cors: { allowedOrigins: [APP], maxAge: Duration.millis(1500) } })).toMatch(/cors.maxAge must be whole seconds, got 1 second 500 millis/);
  });
});
