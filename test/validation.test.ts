import { App, CfnParameter, Annotations as CoreAnnotations, Duration, Size, Stack, Token } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { MirrorOriginDistribution, MirrorOriginDistributionProps } from '../src';
import { TestProps, mirrorStack } from './support/template';

/** Builds the construct in a fresh stack; returns the error message it threw, or undefined. */
function errorOf(props: TestProps): string | undefined {
  try {
    mirrorStack(props);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

describe('bad props fail at synth, naming the construct path, the prop, what was given and what works', () => {
  test('the message of a bad endpoint, exactly', () => {
    expect(() => mirrorStack({ endpoint: 'ftp://x' })).toThrow(
      '[Stack/Mirror] endpoint must be an absolute http(s) URL without credentials, query or fragment, got "ftp://x" (scheme ftp:)');
  });

  test.each<[string, Partial<MirrorOriginDistributionProps>, RegExp]>([
    ['endpoint not a URL', { endpoint: 'example.com/assets' }, /^\[Stack\/Mirror\] endpoint must be an absolute http\(s\) URL .*, got "example.com\/assets"$/],
    ['endpoint with a query', { endpoint: 'https://example.com/?a=1' }, /endpoint must be .* got "https:\/\/example.com\/\?a=1" \(query\)/],
    ['endpoint with a fragment', { endpoint: 'https://example.com/#top' }, /endpoint must be .* \(fragment\)/],
    ['endpoint with credentials', { endpoint: 'https://user:pw@example.com' }, /endpoint must be .* got a URL with credentials \(pass secrets with originHeaders instead\)/],
    ['endpoint empty', { endpoint: '' }, /endpoint must be an absolute http\(s\) URL .*, got ""/],
    ['keyPrefix without trailing slash', { keyPrefix: 'mirror' }, /\[Stack\/Mirror\] keyPrefix must be empty or a path like "mirror\/".*, got "mirror"/],
    ['keyPrefix with a leading slash', { keyPrefix: '/mirror/' }, /keyPrefix must be .* got "\/mirror\/"/],
    ['keyPrefix with ".."', { keyPrefix: 'a/../' }, /keyPrefix must be .* got "a\/..\/"/],
    ['keyPrefix with "+" (S3 would look it up as a space)', { keyPrefix: 'a+b/' }, /keyPrefix must be empty or a path like "mirror\/" .* segments of letters, digits, ".", "_", "-" or "~" .* got "a\+b\/"/],
    ['keyPrefix with a space', { keyPrefix: 'my files/' }, /keyPrefix must be .* got "my files\/"/],
    ['keyPrefix with "*" (it would widen the IAM resource)', { keyPrefix: 'a*/' }, /keyPrefix must be .* got "a\*\/"/],
    ['keyPrefix with an IAM policy variable', { keyPrefix: '${aws:username}/' }, /keyPrefix must be .* got "\$\{aws:username\}\/"/],
    ['minTtl above defaultTtl', { minTtl: Duration.days(2) },
      /\[Stack\/Mirror\] minTtl, defaultTtl and maxTtl must satisfy minTtl <= defaultTtl <= maxTtl, got 172800 s, 86400 s and 31536000 s/],
    ['defaultTtl above maxTtl', { defaultTtl: Duration.days(8), maxTtl: Duration.days(7) }, /got 0 s, 691200 s and 604800 s/],
    ['a TTL of fractional seconds', { defaultTtl: Duration.millis(1500) }, /defaultTtl must be whole seconds, got 1 second 500 millis$/],
    ['cachePolicy with TTL props', { cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED, minTtl: Duration.seconds(0), maxTtl: Duration.days(1) },
      /^\[Stack\/Mirror\] cachePolicy cannot be combined with minTtl, maxTtl: set the TTLs on the cache policy, or drop cachePolicy$/],
    ['notFoundTtl above a year', { notFoundTtl: Duration.days(400) }, /notFoundTtl must be whole seconds from 0 s to 365 days, got 400 days/],
    ['notFoundTtl in fractions of a second', { notFoundTtl: Duration.millis(500) }, /notFoundTtl must be whole seconds .* got 500 millis/],
    ['forwarding host', { forwardHeaders: ['Host'] }, /forwardHeaders must not include "host": the handler always sends the endpoint's host/],
    ['forwarding authorization', { forwardHeaders: ['authorization'] }, /forwardHeaders must not include "authorization"/],
    ['forwarding cookie', { forwardHeaders: ['Cookie'] }, /forwardHeaders must not include "Cookie"/],
    ['forwarding x-amz-*', { forwardHeaders: ['X-Amz-Security-Token'] }, /forwardHeaders must not include "X-Amz-Security-Token"/],
    ['forwarding accept-encoding', { forwardHeaders: ['Accept-Encoding'] }, /forwardHeaders must not include "accept-encoding": the handler always asks the origin for identity/],
    ['forwarding range', { forwardHeaders: ['Range'] }, /forwardHeaders must not include "range": the origin could then answer with part of the object or none of it \(206, 304, 412\)/],
    ['forwarding if-none-match', { forwardHeaders: ['If-None-Match'] }, /forwardHeaders must not include "if-none-match": the origin could then answer/],
    ['forwarding if-modified-since', { forwardHeaders: ['if-modified-since'] }, /forwardHeaders must not include "if-modified-since"/],
    ['forwarding a connection header', { forwardHeaders: ['Transfer-Encoding'] }, /forwardHeaders must not include "transfer-encoding": it describes a connection or a request body/],
    ['a static host header', { originHeaders: { Host: 'other.example' } }, /originHeaders must not include "host": the handler always sends the endpoint's host/],
    ['a static range header', { originHeaders: { Range: 'bytes=0-99' } }, /originHeaders must not include "range"/],
    ['a static accept-encoding header', { originHeaders: { 'accept-encoding': 'gzip' } }, /originHeaders must not include "accept-encoding"/],
    ['a forwarded header that is not a token', { forwardHeaders: ['bad header'] }, /forwardHeaders header name must be an HTTP token .*, got "bad header"/],
    ['a forwarded header twice', { forwardHeaders: ['Origin', 'origin'] }, /forwardHeaders must not name "origin" twice \(header names are case-insensitive\)/],
    ['an origin header name with CR/LF', { originHeaders: { 'X-A\r\nX-B': '1' } }, /originHeaders header name must be an HTTP token .*, got "X-A\\r\\nX-B"/],
    ['an origin header value with CR/LF', { originHeaders: { 'X-Secret': 'a\r\nX-Injected: 1' } }, /originHeaders header "X-Secret" must not contain CR, LF or other control characters/],
    ['an origin header value that is not ASCII (Node cannot send it)', { originHeaders: { 'X-Token': 'price€' } }, /originHeaders header "X-Token" must be ASCII/],
    ['an origin header twice', { originHeaders: { 'X-A': '1', 'x-a': '2' } }, /originHeaders must not name "x-a" twice/],
    ['originResponseTimeout of 0', { originResponseTimeout: Duration.seconds(0) }, /originResponseTimeout must be whole milliseconds from 1 ms to 59 s, since CloudFront gives up on the function after 60 s without a byte, got 0 seconds/],
    ['originIdleTimeout of CloudFront\'s own wait', { originIdleTimeout: Duration.seconds(60) }, /originIdleTimeout must be whole milliseconds from 1 ms to 59 s, .* got 1 minute/],
    ['originResponseTimeout past the handlerTimeout', { originResponseTimeout: Duration.seconds(50), handlerTimeout: Duration.seconds(45) },
      /handlerTimeout must be longer than originResponseTimeout \(50000 ms\) and originIdleTimeout \(20000 ms\) .*, got 45 seconds$/],
    ['handlerTimeout not longer than originIdleTimeout', { handlerTimeout: Duration.seconds(20) },
      /\[Stack\/Mirror\] handlerTimeout must be longer than originResponseTimeout \(10000 ms\) and originIdleTimeout \(20000 ms\) so the handler can still answer the viewer when the origin times out, got 20 seconds$/],
    ['handlerTimeout above 15 minutes', { handlerTimeout: Duration.minutes(16) }, /handlerTimeout must be whole seconds from 1 s to 15 minutes, got 16 minutes/],
    ['streamThreshold above 200 MB', { streamThreshold: Size.mebibytes(200) }, /streamThreshold must be from 0 to 200000000 bytes \(200 MB, Lambda's limit on a streamed response\), got 209715200 bytes/],
    ['maxObjectSize of 0', { maxObjectSize: Size.bytes(0) }, /maxObjectSize must be from 1 byte to 5497558138880 bytes \(5 TiB, S3's largest object\), got 0 bytes/],
    ['maxObjectSize above 5 TiB', { maxObjectSize: Size.tebibytes(6) }, /maxObjectSize must be .* got 6597069766656 bytes/],
    ['memorySize below 128', { memorySize: 64 }, /memorySize must be an integer from 128 to 10240 \(MiB\), got 64/],
    ['memorySize above 10240', { memorySize: 10_241 }, /memorySize must be .* got 10241/],
    ['memorySize not an integer', { memorySize: 1024.5 }, /memorySize must be .* got 1024.5/],
    ['reservedConcurrency negative', { reservedConcurrency: -1 }, /reservedConcurrency must be an integer of 0 or more \(0 stops every fetch from the origin\), got -1/],
    ['fallbackStatusCodes empty', { fallbackStatusCodes: [] }, /fallbackStatusCodes must name at least one of 400, 403, 404, 416, 500, 502, 503, 504, got none/],
    ['a fallback code CloudFront refuses', { fallbackStatusCodes: [404, 410] }, /fallbackStatusCodes must contain only 400, 403, 404, 416, 500, 502, 503, 504, got 410/],
    ['a fallback code twice', { fallbackStatusCodes: [404, 404] }, /fallbackStatusCodes must not contain 404 twice/],
    ['defaultRootObject empty', { defaultRootObject: '' }, /defaultRootObject must be an object name such as "index.html" .* since "\/" would otherwise list the bucket, got ""/],
    ['defaultRootObject with a leading slash', { defaultRootObject: '/index.html' }, /defaultRootObject must be .* got "\/index.html"/],
    ['logBucket with logging disabled', { enableLogging: false, logBucket: s3.Bucket.fromBucketName(new Stack(), 'L', 'logs') },
      /logBucket is given but enableLogging is false: drop logBucket, or set enableLogging to true/],
    ['logFilePrefix without logging', { logFilePrefix: 'cf/' }, /logFilePrefix needs logging: set enableLogging to true or give a logBucket/],
    ['domainNames without certificate', { domainNames: ['cdn.example.com', 'static.example.com'] },
      /domainNames needs certificate, an ACM certificate in us-east-1 that covers cdn.example.com, static.example.com: CloudFront refuses/],
  ])('%s', (_, props, expected) => {
    const message = errorOf(props);
    expect(message).toMatch(expected);
    // One problem, one line, prefixed with the construct path.
    expect(message!.split('\n')).toHaveLength(1);
    expect(message).toMatch(/^\[Stack\/Mirror\] /);
  });

  test('several problems make one error with one line each', () => {
    const message = errorOf({ endpoint: 'ftp://x', memorySize: 1, fallbackStatusCodes: [200] });
    expect(message!.split('\n')).toEqual([
      '[Stack/Mirror] endpoint must be an absolute http(s) URL without credentials, query or fragment, got "ftp://x" (scheme ftp:)',
      '[Stack/Mirror] memorySize must be an integer from 128 to 10240 (MiB), got 1',
      '[Stack/Mirror] fallbackStatusCodes must contain only 400, 403, 404, 416, 500, 502, 503, 504, got 200',
    ]);
  });

  test('the path is the construct\'s own, however deep', () => {
    const app = new App();
    const stack = new Stack(app, 'Prod');
    expect(() => new MirrorOriginDistribution(stack, 'Assets', { endpoint: 'ftp://x' })).toThrow(/^\[Prod\/Assets\] endpoint/);
  });

  test('a defaultRootObject that is a token is refused: an empty value would list the bucket at "/"', () => {
    expect(errorOf((stack) => ({ defaultRootObject: new CfnParameter(stack, 'Root').valueAsString }))).toMatch(
      /^\[Stack\/Mirror\] defaultRootObject must be a plain string, not a token: an empty value at deploy time would make "\/" list the bucket/);
  });

  test.each<[string, (stack: Stack) => Partial<MirrorOriginDistributionProps>, string]>([
    ['originResponseTimeout', (stack) => ({ originResponseTimeout: Duration.seconds(new CfnParameter(stack, 'P', { type: 'Number' }).valueAsNumber) }),
      'originResponseTimeout is a token, so it must be given as Duration.millis(token)'],
    ['notFoundTtl', (stack) => ({ notFoundTtl: Duration.minutes(new CfnParameter(stack, 'P', { type: 'Number' }).valueAsNumber) }),
      'notFoundTtl is a token, so it must be given as Duration.seconds(token)'],
    ['handlerTimeout', (stack) => ({ handlerTimeout: Duration.minutes(new CfnParameter(stack, 'P', { type: 'Number' }).valueAsNumber) }),
      'handlerTimeout is a token, so it must be given as Duration.seconds(token)'],
    ['streamThreshold', (stack) => ({ streamThreshold: Size.mebibytes(new CfnParameter(stack, 'P', { type: 'Number' }).valueAsNumber) }),
      'streamThreshold is a token, so it must be given as Size.bytes(token)'],
  ])('a %s token in a unit CDK cannot convert names the construct and the prop', (_, props, expected) => {
    expect(errorOf(props)).toBe(`[Stack/Mirror] ${expected}`);
  });

  test.each<[string, s3.BucketProps, string]>([
    ['without object ownership (S3 takes it as BucketOwnerEnforced)', {}, 'none, which S3 takes as BucketOwnerEnforced'],
    ['with BucketOwnerEnforced', { objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED }, 'BucketOwnerEnforced'],
  ])('a logBucket %s is refused at synth: CloudFront writes logs with ACLs and would fail at deployment', (_, bucketProps, got) => {
    expect(errorOf((stack) => ({ logBucket: new s3.Bucket(stack, 'Logs', bucketProps) }))).toBe('Validation failed with the following errors:\n' +
      '  [Stack/Mirror] logBucket must allow ACLs, which CloudFront writes its logs with: create it with objectOwnership ' +
      `OBJECT_WRITER or BUCKET_OWNER_PREFERRED (got ${got}), or leave logBucket out and set enableLogging for a bucket made for it`);
  });

  test('a logBucket is checked as the app leaves it: ownership set after the construct counts', () => {
    const app = new App();
    const stack = new Stack(app, 'Stack');
    const logs = new s3.Bucket(stack, 'Logs');
    new MirrorOriginDistribution(stack, 'Mirror', { endpoint: 'https://example.com', logBucket: logs });
    // As allowLogDelivery() does when the bucket also takes S3 access logs.
    (logs.node.defaultChild as s3.CfnBucket).ownershipControls = { rules: [{ objectOwnership: 'ObjectWriter' }] };
    expect(() => app.synth()).not.toThrow();
  });

  test.each<[string, (stack: Stack) => s3.IBucket]>([
    ['ObjectWriter', (stack) => new s3.Bucket(stack, 'Logs', { objectOwnership: s3.ObjectOwnership.OBJECT_WRITER })],
    ['BucketOwnerPreferred', (stack) => new s3.Bucket(stack, 'Logs', { objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED })],
    ['an imported bucket (cannot be checked)', (stack) => s3.Bucket.fromBucketName(stack, 'Logs', 'my-logs')],
  ])('a logBucket with %s is taken', (_, logBucket) => {
    expect(errorOf((stack) => ({ logBucket: logBucket(stack) }))).toBeUndefined();
  });

  test('a keyPrefix that is a token is refused: it becomes the S3 origin path at synth', () => {
    expect(errorOf((stack) => ({ keyPrefix: new CfnParameter(stack, 'Prefix').valueAsString }))).toBe(
      '[Stack/Mirror] keyPrefix must be a plain string, not a token: it also becomes the S3 origin\'s path at synth');
  });
});

describe('tokens are left to the handler to check at run time', () => {
  test.each<[string, (stack: Stack) => Partial<MirrorOriginDistributionProps>]>([
    ['endpoint', (stack) => ({ endpoint: new CfnParameter(stack, 'P').valueAsString })],
    ['forwardHeaders', (stack) => ({ forwardHeaders: [new CfnParameter(stack, 'P').valueAsString] })],
    ['originHeaders values', (stack) => ({ originHeaders: { 'X-Secret': new CfnParameter(stack, 'P').valueAsString } })],
    ['notFoundTtl', (stack) => ({ notFoundTtl: Duration.seconds(new CfnParameter(stack, 'P', { type: 'Number' }).valueAsNumber) })],
    ['maxTtl', (stack) => ({ maxTtl: Duration.seconds(new CfnParameter(stack, 'P', { type: 'Number' }).valueAsNumber) })],
    ['streamThreshold', (stack) => ({ streamThreshold: Size.bytes(new CfnParameter(stack, 'P', { type: 'Number' }).valueAsNumber) })],
    ['memorySize', (stack) => ({ memorySize: new CfnParameter(stack, 'P', { type: 'Number' }).valueAsNumber })],
    ['reservedConcurrency', (stack) => ({ reservedConcurrency: Token.asNumber(new CfnParameter(stack, 'P', { type: 'Number' }).valueAsNumber) })],
  ])('%s', (_, props) => {
    expect(errorOf(props)).toBeUndefined();
  });
});

describe('a minimum TTL above 0 is a warning, not an error', () => {
  test('minTtl > 0', () => {
    const { stack } = mirrorStack({ minTtl: Duration.seconds(5) });
    Annotations.fromStack(stack).hasWarning('/Stack/Mirror/Default',
      Match.stringLikeRegexp('^minTtl is 5 s: CloudFront then caches .* redirect .* Keep minTtl at 0\\. \\[ack: cdk-mirror-origin:minTtl\\]$'));
  });

  test('minTtl 0 given explicitly: no warning', () => {
    Annotations.fromStack(mirrorStack({ minTtl: Duration.seconds(0) }).stack).hasNoWarning('*', Match.anyValue());
  });

  test('a cache policy defined in the app with a minimum TTL above 0', () => {
    const { stack } = mirrorStack((s) => ({ cachePolicy: new cloudfront.CachePolicy(s, 'Policy', { minTtl: Duration.seconds(30) }) }));
    Annotations.fromStack(stack).hasWarning('/Stack/Mirror/Default',
      Match.stringLikeRegexp('^cachePolicy has a minimum TTL of 30 s\\..*\\[ack: cdk-mirror-origin:cachePolicyMinTtl\\]$'));
  });

  test('a cache policy defined in the app with a minimum TTL of 0: no warning', () => {
    const { stack } = mirrorStack((s) => ({ cachePolicy: new cloudfront.CachePolicy(s, 'Policy', { minTtl: Duration.seconds(0) }) }));
    Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
  });

  test('an imported cache policy cannot be checked: a warning says so', () => {
    const { stack } = mirrorStack((s) => ({ cachePolicy: cloudfront.CachePolicy.fromCachePolicyId(s, 'Imported', 'a-policy-of-my-own') }));
    Annotations.fromStack(stack).hasWarning('/Stack/Mirror/Default', Match.stringLikeRegexp(
      '^The minimum TTL of cachePolicy cannot be checked at synth \\(an imported policy that is not a known managed one, or a token\\)\\..*cdk-mirror-origin:cachePolicyMinTtl'));
  });

  test('managed cache policies: their documented minimum TTL is checked', () => {
    const optimized = mirrorStack({ cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED }).stack;
    Annotations.fromStack(optimized).hasWarning('/Stack/Mirror/Default',
      Match.stringLikeRegexp('^cachePolicy has a minimum TTL of 1 s\\..*\\[ack: cdk-mirror-origin:cachePolicyMinTtl\\]$'));
    const amplify = mirrorStack({ cachePolicy: cloudfront.CachePolicy.AMPLIFY }).stack;
    Annotations.fromStack(amplify).hasWarning('/Stack/Mirror/Default', Match.stringLikeRegexp('^cachePolicy has a minimum TTL of 2 s\\.'));
    Annotations.fromStack(mirrorStack({ cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED }).stack).hasNoWarning('*', Match.anyValue());
    // A managed policy whose minimum TTL this library does not know still gets the "cannot be checked" warning.
    const unknown = mirrorStack({ cachePolicy: cloudfront.CachePolicy.USE_ORIGIN_CACHE_CONTROL_HEADERS }).stack;
    Annotations.fromStack(unknown).hasWarning('/Stack/Mirror/Default', Match.stringLikeRegexp('^The minimum TTL of cachePolicy cannot be checked'));
  });

  test('a maxObjectSize whose parts would take more than half the memory', () => {
    const { stack } = mirrorStack({ maxObjectSize: Size.tebibytes(2) });
    Annotations.fromStack(stack).hasWarning('/Stack/Mirror/Default', Match.stringLikeRegexp(
      '^A miss can hold 636 MiB of the object in the handler\'s memory, more than half of its 1024 MiB: up to streamThreshold \\(6 MiB\\).* ' +
      'plus 3 upload parts of 210 MiB \\(maxObjectSize is 2199023255552 bytes .*\\)\\. ' +
      'Raise memorySize, or lower streamThreshold or maxObjectSize\\. \\[ack: cdk-mirror-origin:memory\\]$'));
    Annotations.fromStack(mirrorStack({ maxObjectSize: Size.tebibytes(2), memorySize: 2048 }).stack).hasNoWarning('*', Match.anyValue());
    Annotations.fromStack(mirrorStack({ maxObjectSize: Size.gibibytes(100) }).stack).hasNoWarning('*', Match.anyValue());
  });

  test('a streamThreshold that a slow viewer would keep in more than half the memory', () => {
    const { stack } = mirrorStack({ streamThreshold: Size.mebibytes(150), memorySize: 256 });
    Annotations.fromStack(stack).hasWarning('/Stack/Mirror/Default', Match.stringLikeRegexp(
      '^A miss can hold 165 MiB of the object in the handler\'s memory, more than half of its 256 MiB: up to streamThreshold \\(150 MiB\\).* ' +
      'plus 3 upload parts of 5 MiB .*\\[ack: cdk-mirror-origin:memory\\]$'));
    // The defaults (6 MiB and three 5 MiB parts) fit in the smallest memory.
    Annotations.fromStack(mirrorStack({ memorySize: 128 }).stack).hasNoWarning('*', Match.anyValue());
    Annotations.fromStack(mirrorStack({ streamThreshold: Size.mebibytes(150), memorySize: 512 }).stack).hasNoWarning('*', Match.anyValue());
  });

  test('more forwardHeaders than CloudFront\'s default quota', () => {
    const forwardHeaders = Array.from({ length: 11 }, (_, i) => `x-h${i}`);
    Annotations.fromStack(mirrorStack({ forwardHeaders }).stack).hasWarning('/Stack/Mirror/Default',
      Match.stringLikeRegexp('^forwardHeaders names 11 headers; CloudFront allows 10 .*\\[ack: cdk-mirror-origin:forwardHeadersQuota\\]$'));
    Annotations.fromStack(mirrorStack({ forwardHeaders: forwardHeaders.slice(1) }).stack).hasNoWarning('*', Match.anyValue());
  });

  test('the warning can be acknowledged by its id', () => {
    const app = new App();
    const stack = new Stack(app, 'Stack');
    const mirror = new MirrorOriginDistribution(stack, 'Mirror', { endpoint: 'https://example.com', minTtl: Duration.seconds(5) });
    CoreAnnotations.of(mirror).acknowledgeWarning('cdk-mirror-origin:minTtl', 'no object is larger than streamThreshold');
    Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
  });
});
