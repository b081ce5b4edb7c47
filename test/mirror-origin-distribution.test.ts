import { CfnParameter, Duration, Size, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { ENVIRONMENT_VARIABLES, MirrorConfig, fromEnvironment } from '../src/config';
import { assetHashSerializer, mirrorStack, onlyResource } from './support/template';
import { testConfig } from './support/test-config';

expect.addSnapshotSerializer(assetHashSerializer);

/** The distribution's config. */
function distributionConfig(template: Template): any {
  return onlyResource(template, 'AWS::CloudFront::Distribution').resource.Properties.DistributionConfig;
}

/** The handler's environment variables. */
function environment(template: Template): Record<string, unknown> {
  return onlyResource(template, 'AWS::Lambda::Function').resource.Properties.Environment.Variables;
}

/** The handler configuration `fromEnvironment` reads from the template, with the bucket's Ref as "mirror-bucket". */
function configFromTemplate(template: Template): MirrorConfig {
  const env = Object.fromEntries(Object.entries(environment(template)).map(([name, value]) =>
    [name, typeof value === 'string' ? value : name === ENVIRONMENT_VARIABLES.leaseTableName ? 'mirror-leases' : 'mirror-bucket']));
  return fromEnvironment(env);
}

/** Every IAM statement that applies to the handler's role (inline, attached and managed policies). */
function handlerStatements(template: Template): { managedPolicies: unknown[]; statements: any[] } {
  const fn = onlyResource(template, 'AWS::Lambda::Function').resource;
  const roleId: string = fn.Properties.Role['Fn::GetAtt'][0];
  const role = template.toJSON().Resources[roleId];
  const statements: any[] = (role.Properties.Policies ?? []).flatMap((p: any) => p.PolicyDocument.Statement);
  for (const policy of Object.values<any>(template.findResources('AWS::IAM::Policy'))) {
    if (policy.Properties.Roles.some((r: any) => r.Ref === roleId)) statements.push(...policy.Properties.PolicyDocument.Statement);
  }
  return { managedPolicies: role.Properties.ManagedPolicyArns ?? [], statements };
}

// The defaults the construct documents (test/defaults.test.ts checks them against every @default).
const DEFAULT_CONFIG: MirrorConfig = testConfig({ bucketName: 'mirror-bucket', endpoint: 'https://example.com', leaseTableName: 'mirror-leases' });

describe('the smallest mirror shows every design decision', () => {
  const { stack, mirror, template } = mirrorStack({ endpoint: 'https://example.com' });
  const bucketId = onlyResource(template, 'AWS::S3::Bucket').id;
  const distributionId = onlyResource(template, 'AWS::CloudFront::Distribution').id;
  const urlId = onlyResource(template, 'AWS::Lambda::Url').id;
  const distributionArn = {
    'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':cloudfront::', { Ref: 'AWS::AccountId' }, ':distribution/', { Ref: distributionId }]],
  };

  test('the expected resources, and nothing else', () => {
    const counts: Record<string, number> = {};
    for (const resource of Object.values<any>(template.toJSON().Resources)) counts[resource.Type] = (counts[resource.Type] ?? 0) + 1;
    expect(counts).toEqual({
      'AWS::S3::Bucket': 1,
      'AWS::S3::BucketPolicy': 1,
      'AWS::Logs::LogGroup': 1,
      'AWS::IAM::Role': 1,
      'AWS::IAM::Policy': 1,
      'AWS::Lambda::Function': 1,
      'AWS::Lambda::Url': 1,
      'AWS::Lambda::Permission': 2,
      'AWS::CloudFront::CachePolicy': 1,
      'AWS::CloudFront::OriginAccessControl': 2,
      'AWS::CloudFront::Distribution': 1,
      // The default alarms (test/metrics/operations.test.ts).
      'AWS::CloudWatch::Alarm': 2,
      'AWS::DynamoDB::Table': 1,
    });
  });

  test('the default behaviour is an origin group: S3 first, the function URL on 404', () => {
    const config = distributionConfig(template);
    const groupId = config.DefaultCacheBehavior.TargetOriginId;
    expect(config.OriginGroups).toEqual({
      Quantity: 1,
      Items: [{
        Id: groupId,
        FailoverCriteria: { StatusCodes: { Quantity: 1, Items: [404] } },
        Members: { Quantity: 2, Items: [{ OriginId: config.Origins[0].Id }, { OriginId: config.Origins[1].Id }] },
      }],
    });
    expect(config.Origins[0].DomainName).toEqual({ 'Fn::GetAtt': [bucketId, 'RegionalDomainName'] });
    expect(config.Origins[0].OriginPath).toBeUndefined();
    expect(config.Origins[1].DomainName).toEqual({ 'Fn::Select': [2, { 'Fn::Split': ['/', { 'Fn::GetAtt': [urlId, 'FunctionUrl'] }] }] });
    expect(config.Origins[1].CustomOriginConfig).toEqual({ OriginProtocolPolicy: 'https-only', OriginReadTimeout: 60, OriginSSLProtocols: ['TLSv1.2'] });
    // One attempt: CloudFront retries a request that timed out, and each retry would fetch the whole object again.
    expect(config.Origins[1].ConnectionAttempts).toBe(1);
  });

  test('both origins sign with their own origin access control (S3 and Lambda)', () => {
    const config = distributionConfig(template);
    const oacs = template.findResources('AWS::CloudFront::OriginAccessControl');
    const typeOf = (origin: any): string => oacs[origin.OriginAccessControlId['Fn::GetAtt'][0]].Properties.OriginAccessControlConfig.OriginAccessControlOriginType;
    expect(config.Origins.map(typeOf)).toEqual(['s3', 'lambda']);
    for (const oac of Object.values<any>(oacs)) {
      expect(oac.Properties.OriginAccessControlConfig).toMatchObject({ SigningBehavior: 'always', SigningProtocol: 'sigv4' });
    }
    expect(config.Origins[0].S3OriginConfig).toEqual({ OriginAccessIdentity: '' });
  });

  test('the function URL needs IAM auth and streams its response', () => {
    template.hasResourceProperties('AWS::Lambda::Url', {
      AuthType: 'AWS_IAM',
      InvokeMode: 'RESPONSE_STREAM',
      TargetFunctionArn: { 'Fn::GetAtt': [onlyResource(template, 'AWS::Lambda::Function').id, 'Arn'] },
    });
  });

  test('CloudFront, and only this distribution, may invoke the function URL and the function', () => {
    const permissions = Object.values<any>(template.findResources('AWS::Lambda::Permission')).map((p) => p.Properties);
    expect(permissions).toEqual(expect.arrayContaining([
      { Action: 'lambda:InvokeFunctionUrl', FunctionName: { 'Fn::GetAtt': [urlId, 'FunctionArn'] }, Principal: 'cloudfront.amazonaws.com', SourceArn: distributionArn },
      {
        Action: 'lambda:InvokeFunction',
        FunctionName: { 'Fn::GetAtt': [urlId, 'FunctionArn'] },
        InvokedViaFunctionUrl: true,
        Principal: 'cloudfront.amazonaws.com',
        SourceArn: distributionArn,
      },
    ]));
    expect(permissions).toHaveLength(2);
  });

  test('the bucket is private, SSL-only, S3-encrypted, owner-enforced, retained, and drops unfinished uploads', () => {
    template.hasResource('AWS::S3::Bucket', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
        // Parts of uploads the handler could not finish or abort are dropped after a day, not billed forever.
        LifecycleConfiguration: { Rules: [{ Id: 'abort-incomplete-uploads', Status: 'Enabled', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }] },
      },
    });
    const objects = { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/*']] };
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucketId },
      PolicyDocument: {
        Statement: [
          {
            Effect: 'Deny',
            Action: 's3:*',
            Principal: { AWS: '*' },
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            Resource: [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, objects],
          },
          {
            // Only the distribution reads (and lists, so a miss is a 404, not a 403).
            Effect: 'Allow',
            Action: ['s3:GetObject', 's3:ListBucket'],
            Principal: { Service: 'cloudfront.amazonaws.com' },
            Condition: { StringEquals: { 'AWS:SourceArn': distributionArn } },
            Resource: [objects, { 'Fn::GetAtt': [bucketId, 'Arn'] }],
          },
        ],
      },
    });
  });

  test('"/" serves index.html, never a bucket listing', () => {
    expect(distributionConfig(template).DefaultRootObject).toBe('index.html');
    Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp('listBucketSecurityRisk'));
  });

  test('errors are cached only as their own Cache-Control says: every error-caching minimum TTL is 0, no error page', () => {
    // CloudFront would otherwise keep a no-store 502 (or the origin's 403) for 10 s and ignore a notFoundTtl below that.
    const codes = [400, 403, 404, 405, 414, 416, 500, 501, 502, 503, 504];
    expect(distributionConfig(template).CustomErrorResponses).toEqual(codes.map((ErrorCode) => ({ ErrorCode, ErrorCachingMinTTL: 0 })));
  });

  test('the cache policy: min TTL 0, 1 day, 365 days; only the path in the key; gzip and brotli', () => {
    const { id } = onlyResource(template, 'AWS::CloudFront::CachePolicy');
    template.hasResourceProperties('AWS::CloudFront::CachePolicy', {
      CachePolicyConfig: {
        MinTTL: 0,
        DefaultTTL: 86_400,
        MaxTTL: 31_536_000,
        ParametersInCacheKeyAndForwardedToOrigin: {
          QueryStringsConfig: { QueryStringBehavior: 'none' },
          CookiesConfig: { CookieBehavior: 'none' },
          HeadersConfig: { HeaderBehavior: 'none' },
          EnableAcceptEncodingGzip: true,
          EnableAcceptEncodingBrotli: true,
        },
      },
    });
    expect(distributionConfig(template).DefaultCacheBehavior).toEqual({
      TargetOriginId: expect.any(String),
      CachePolicyId: { Ref: id },
      AllowedMethods: ['GET', 'HEAD', 'OPTIONS'],
      CachedMethods: ['GET', 'HEAD'],
      ViewerProtocolPolicy: 'redirect-to-https',
      Compress: true,
    });
  });

  test('no origin request policy: nothing from the viewer is forwarded', () => {
    template.resourceCountIs('AWS::CloudFront::OriginRequestPolicy', 0);
    expect(distributionConfig(template).DefaultCacheBehavior.OriginRequestPolicyId).toBeUndefined();
  });

  test('distribution defaults: HTTP/2 and 3, all edge locations, IPv6, no logging, no custom certificate, a comment', () => {
    const config = distributionConfig(template);
    expect(config).toMatchObject({ HttpVersion: 'http2and3', PriceClass: 'PriceClass_All', IPV6Enabled: true, Enabled: true, Comment: 'Mirror of https://example.com' });
    for (const absent of ['Logging', 'ViewerCertificate', 'Aliases', 'WebACLId', 'Restrictions']) expect(config[absent]).toBeUndefined();
  });

  test('the handler role may only write its logs, read and put objects, and hold leases: no list or delete, no managed policy', () => {
    const logGroupId = onlyResource(template, 'AWS::Logs::LogGroup').id;
    const tableId = onlyResource(template, 'AWS::DynamoDB::Table').id;
    const { managedPolicies, statements } = handlerStatements(template);
    expect(managedPolicies).toEqual([]);
    expect(statements).toEqual([
      { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: { 'Fn::GetAtt': [logGroupId, 'Arn'] } },
      {
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'],
        Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/*']] },
      },
      { Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], Resource: [{ 'Fn::GetAtt': [tableId, 'Arn'] }] },
    ]);
    const actions = statements.flatMap((s) => s.Action);
    for (const forbidden of ['s3:ListBucket', 's3:DeleteObject', 's3:*', 'dynamodb:DeleteItem', 'dynamodb:Scan', 'dynamodb:Query', 'dynamodb:*']) {
      expect(actions).not.toContain(forbidden);
    }
  });

  test('the lease table: on demand, TTL on expiresAt, keyed by the S3 key, deleted with the stack, named to the handler', () => {
    const table = onlyResource(template, 'AWS::DynamoDB::Table');
    expect(table.resource.Properties).toEqual({
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'key', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'key', AttributeType: 'S' }],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
    expect(table.resource.DeletionPolicy).toBe('Delete');
    expect(environment(template)[ENVIRONMENT_VARIABLES.leaseTableName]).toEqual({ Ref: table.id });
    expect(stack.resolve(mirror.mirror.leaseTable?.tableName)).toEqual({ Ref: table.id });
  });

  test('the bucket policy grants nothing to the handler', () => {
    const policy = onlyResource(template, 'AWS::S3::BucketPolicy').resource.Properties.PolicyDocument;
    const allowed = policy.Statement.filter((s: any) => s.Effect === 'Allow').map((s: any) => s.Principal);
    expect(allowed).toEqual([{ Service: 'cloudfront.amazonaws.com' }]);
  });

  test('the handler: ARM64, 1024 MiB, 5 minutes, unreserved, logging to its own group kept a month', () => {
    const logGroupId = onlyResource(template, 'AWS::Logs::LogGroup').id;
    const fn = onlyResource(template, 'AWS::Lambda::Function').resource.Properties;
    expect(fn).toMatchObject({
      Architectures: ['arm64'],
      MemorySize: 1024,
      Timeout: 300,
      Runtime: 'nodejs24.x',
      Handler: 'index.handler',
      LoggingConfig: { LogGroup: { Ref: logGroupId } },
    });
    expect(fn.ReservedConcurrentExecutions).toBeUndefined();
    template.hasResource('AWS::Logs::LogGroup', { Properties: { RetentionInDays: 30 }, DeletionPolicy: 'Delete' });
    expect(mirror.handler).toBeInstanceOf(lambda.Function);
  });

  test('the handler configuration comes from toEnvironment, and reads back with fromEnvironment', () => {
    const env = environment(template);
    expect(Object.keys(env).sort()).toEqual(Object.values(ENVIRONMENT_VARIABLES).sort());
    expect(env[ENVIRONMENT_VARIABLES.bucketName]).toEqual({ Ref: bucketId });
    expect(configFromTemplate(template)).toEqual(DEFAULT_CONFIG);
  });

  test('no warning', () => {
    Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
  });

  test('the public members are the resources in the template', () => {
    const resolve = (value: unknown) => stack.resolve(value);
    expect(resolve(mirror.bucket.bucketName)).toEqual({ Ref: bucketId });
    expect(resolve(mirror.distribution.distributionId)).toEqual({ Ref: distributionId });
    expect(resolve(mirror.functionUrl.url)).toEqual({ 'Fn::GetAtt': [urlId, 'FunctionUrl'] });
    expect(resolve(mirror.handler.functionArn)).toEqual({ 'Fn::GetAtt': [onlyResource(template, 'AWS::Lambda::Function').id, 'Arn'] });
  });

  test('snapshot (asset hashes blanked)', () => {
    expect(template.toJSON()).toMatchSnapshot();
  });
});

describe('every prop reaches the template', () => {
  test('singleFlight: false creates no lease table, grants no DynamoDB action, and tells the handler none', () => {
    const { mirror, template } = mirrorStack({ singleFlight: false });
    expect(template.findResources('AWS::DynamoDB::Table')).toEqual({});
    expect(handlerStatements(template).statements.flatMap((s) => s.Action).filter((a: string) => a.startsWith('dynamodb:'))).toEqual([]);
    expect(environment(template)[ENVIRONMENT_VARIABLES.leaseTableName]).toBe('');
    expect(mirror.mirror.leaseTable).toBeUndefined();
  });

  test('bucket: the given bucket is used and no other is created', () => {
    let own: s3.Bucket | undefined;
    const { mirror, template } = mirrorStack((stack) => {
      own = new s3.Bucket(stack, 'Own');
      return { bucket: own };
    });
    const ownId = onlyResource(template, 'AWS::S3::Bucket').id;
    expect(mirror.bucket).toBe(own);
    expect(distributionConfig(template).Origins[0].DomainName).toEqual({ 'Fn::GetAtt': [ownId, 'RegionalDomainName'] });
    expect(environment(template)[ENVIRONMENT_VARIABLES.bucketName]).toEqual({ Ref: ownId });
    expect(handlerStatements(template).statements[1].Resource).toEqual({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [ownId, 'Arn'] }, '/*']] });
  });

  test('bucket with SSE-KMS: the handler may generate and decrypt data keys of that key only', () => {
    const { template } = mirrorStack((stack) => ({
      bucket: new s3.Bucket(stack, 'Own', { encryption: s3.BucketEncryption.KMS, encryptionKey: new kms.Key(stack, 'Key') }),
    }));
    const keyId = onlyResource(template, 'AWS::KMS::Key').id;
    expect(handlerStatements(template).statements).toContainEqual(
      { Effect: 'Allow', Action: ['kms:GenerateDataKey', 'kms:Decrypt'], Resource: { 'Fn::GetAtt': [keyId, 'Arn'] } });
  });

  test('keyPrefix: the handler writes under it, and S3 is read under it (origin path)', () => {
    const { template } = mirrorStack({ keyPrefix: 'mirror/v1/' });
    const bucketId = onlyResource(template, 'AWS::S3::Bucket').id;
    expect(distributionConfig(template).Origins[0].OriginPath).toBe('/mirror/v1');
    expect(distributionConfig(template).Origins[1].OriginPath).toBeUndefined();
    expect(handlerStatements(template).statements[1].Resource).toEqual({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/mirror/v1/*']] });
    expect(configFromTemplate(template).keyPrefix).toBe('mirror/v1/');
  });

  test('TTLs build the cache policy', () => {
    const { template } = mirrorStack({ defaultTtl: Duration.hours(2), maxTtl: Duration.days(7) });
    template.hasResourceProperties('AWS::CloudFront::CachePolicy', { CachePolicyConfig: { MinTTL: 0, DefaultTTL: 7200, MaxTTL: 604_800 } });
  });

  test('maxTtl 0: caching off, so compression settings are off too (CloudFront refuses them)', () => {
    const { template } = mirrorStack({ defaultTtl: Duration.seconds(0), maxTtl: Duration.seconds(0) });
    template.hasResourceProperties('AWS::CloudFront::CachePolicy', {
      CachePolicyConfig: {
        MinTTL: 0,
        DefaultTTL: 0,
        MaxTTL: 0,
        ParametersInCacheKeyAndForwardedToOrigin: { EnableAcceptEncodingGzip: false, EnableAcceptEncodingBrotli: false },
      },
    });
  });

  test('cachePolicy replaces the built one', () => {
    const { template } = mirrorStack({ cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED });
    template.resourceCountIs('AWS::CloudFront::CachePolicy', 0);
    expect(distributionConfig(template).DefaultCacheBehavior.CachePolicyId).toBe('4135ea2d-6df8-44a3-9df3-4b5a84be39ad');
  });

  test('forwardHeaders: an origin request policy that forwards only them; the handler gets them lower-cased', () => {
    const { template } = mirrorStack({ forwardHeaders: ['Accept-Language', 'Origin'] });
    const { id } = onlyResource(template, 'AWS::CloudFront::OriginRequestPolicy');
    template.hasResourceProperties('AWS::CloudFront::OriginRequestPolicy', {
      OriginRequestPolicyConfig: {
        HeadersConfig: { HeaderBehavior: 'whitelist', Headers: ['Accept-Language', 'Origin'] },
        QueryStringsConfig: { QueryStringBehavior: 'none' },
        CookiesConfig: { CookieBehavior: 'none' },
      },
    });
    expect(distributionConfig(template).DefaultCacheBehavior.OriginRequestPolicyId).toEqual({ Ref: id });
    expect(configFromTemplate(template).forwardHeaders).toEqual(['accept-language', 'origin']);
  });

  test('handler settings reach the environment and read back', () => {
    const { template } = mirrorStack({
      endpoint: 'http://origin.example.net:8080/base/',
      keyPrefix: 'm/',
      notFoundTtl: Duration.minutes(1),
      forwardHeaders: ['Accept-Language'],
      originHeaders: { 'X-Mirror-Secret': 's3cr3t', 'User-Agent': 'custom' },
      originResponseTimeout: Duration.seconds(3),
      originIdleTimeout: Duration.millis(4500),
      streamThreshold: Size.mebibytes(1),
      maxObjectSize: Size.gibibytes(50),
    });
    expect(configFromTemplate(template)).toEqual({
      ...DEFAULT_CONFIG,
      endpoint: 'http://origin.example.net:8080/base/',
      keyPrefix: 'm/',
      notFoundTtlSeconds: 60,
      forwardHeaders: ['accept-language'],
      originHeaders: { 'x-mirror-secret': 's3cr3t', 'user-agent': 'custom' },
      originResponseTimeoutMs: 3000,
      originIdleTimeoutMs: 4500,
      streamThresholdBytes: 1024 * 1024,
      maxObjectSizeBytes: 50 * 1024 * 1024 * 1024,
    });
  });

  test('memorySize, handlerTimeout, reservedConcurrency, logRetention', () => {
    const { template } = mirrorStack({
      memorySize: 2048,
      handlerTimeout: Duration.minutes(2),
      reservedConcurrency: 20,
      logRetention: logs.RetentionDays.ONE_WEEK,
    });
    template.hasResourceProperties('AWS::Lambda::Function', { MemorySize: 2048, Timeout: 120, ReservedConcurrentExecutions: 20 });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 7 });
  });

  test('reservedConcurrency 0 is allowed (it stops every fetch)', () => {
    mirrorStack({ reservedConcurrency: 0 }).template.hasResourceProperties('AWS::Lambda::Function', { ReservedConcurrentExecutions: 0 });
  });

  test('fallbackStatusCodes and defaultRootObject', () => {
    const { template } = mirrorStack({ fallbackStatusCodes: [403, 404], defaultRootObject: 'home/index.htm' });
    const config = distributionConfig(template);
    expect(config.OriginGroups.Items[0].FailoverCriteria).toEqual({ StatusCodes: { Quantity: 2, Items: [403, 404] } });
    expect(config.DefaultRootObject).toBe('home/index.htm');
  });

  test('domainNames and certificate: TLSv1.2_2021 and SNI by default', () => {
    const { template } = mirrorStack((stack) => ({
      domainNames: ['cdn.example.com'],
      certificate: acm.Certificate.fromCertificateArn(stack, 'Cert', 'arn:aws:acm:us-east-1:123456789012:certificate/abc'),
    }));
    expect(distributionConfig(template)).toMatchObject({
      Aliases: ['cdn.example.com'],
      ViewerCertificate: { AcmCertificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/abc', MinimumProtocolVersion: 'TLSv1.2_2021', SslSupportMethod: 'sni-only' },
    });
  });

  test('minimumProtocolVersion with a certificate', () => {
    const { template } = mirrorStack((stack) => ({
      domainNames: ['cdn.example.com'],
      certificate: acm.Certificate.fromCertificateArn(stack, 'Cert', 'arn:aws:acm:us-east-1:123456789012:certificate/abc'),
      minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2019,
    }));
    expect(distributionConfig(template).ViewerCertificate.MinimumProtocolVersion).toBe('TLSv1.2_2019');
  });

  test('priceClass, webAclId, httpVersion, geoRestriction, comment, responseHeadersPolicy', () => {
    const webAcl = 'arn:aws:wafv2:us-east-1:123456789012:global/webacl/mirror/0000';
    const { template } = mirrorStack({
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
      webAclId: webAcl,
      httpVersion: cloudfront.HttpVersion.HTTP2,
      geoRestriction: cloudfront.GeoRestriction.allowlist('DE', 'FR'),
      comment: 'assets mirror',
      responseHeadersPolicy: cloudfront.ResponseHeadersPolicy.SECURITY_HEADERS,
    });
    const config = distributionConfig(template);
    expect(config).toMatchObject({
      PriceClass: 'PriceClass_100',
      WebACLId: webAcl,
      HttpVersion: 'http2',
      Restrictions: { GeoRestriction: { RestrictionType: 'whitelist', Locations: ['DE', 'FR'] } },
      Comment: 'assets mirror',
    });
    expect(config.DefaultCacheBehavior.ResponseHeadersPolicyId).toBe('67f7725c-6f97-4210-82d7-5512b31e9d03');
  });

  test('enableLogging: a private, SSL-only log bucket with ACLs for CloudFront, and logFilePrefix', () => {
    const { template } = mirrorStack({ enableLogging: true, logFilePrefix: 'cf/' });
    const buckets = template.findResources('AWS::S3::Bucket', { Properties: { OwnershipControls: { Rules: [{ ObjectOwnership: 'ObjectWriter' }] } } });
    const [logBucketId] = Object.keys(buckets);
    expect(Object.keys(buckets)).toHaveLength(1);
    expect(buckets[logBucketId]).toMatchObject({
      DeletionPolicy: 'Retain',
      Properties: { PublicAccessBlockConfiguration: { BlockPublicAcls: true, RestrictPublicBuckets: true } },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: logBucketId },
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
    expect(distributionConfig(template).Logging).toEqual({ Bucket: { 'Fn::GetAtt': [logBucketId, 'RegionalDomainName'] }, Prefix: 'cf/' });
  });

  test('logBucket: logs go to the given bucket', () => {
    const { template } = mirrorStack((stack) => ({ logBucket: new s3.Bucket(stack, 'Logs', { objectOwnership: s3.ObjectOwnership.OBJECT_WRITER }) }));
    template.resourceCountIs('AWS::S3::Bucket', 2);
    expect(distributionConfig(template).Logging.Bucket['Fn::GetAtt'][0]).toMatch(/^Logs/);
  });

  test('the default comment is shortened to CloudFront\'s 128 characters', () => {
    const endpoint = `https://example.com/${'a'.repeat(200)}`;
    const comment: string = distributionConfig(mirrorStack({ endpoint }).template).Comment;
    expect(comment).toHaveLength(128);
    expect(comment.startsWith('Mirror of https://example.com/aaa')).toBe(true);
  });

  test('an endpoint that is a token synthesizes (no comment), and reaches the handler as a reference', () => {
    const { template } = mirrorStack((stack: Stack) => ({ endpoint: new CfnParameter(stack, 'Endpoint').valueAsString }));
    expect(distributionConfig(template).Comment).toBeUndefined();
    expect(environment(template)[ENVIRONMENT_VARIABLES.endpoint]).toEqual({ Ref: 'Endpoint' });
  });

  test('numbers and durations that are tokens synthesize and reach the handler as references', () => {
    const { template } = mirrorStack((stack: Stack) => {
      const ttl = new CfnParameter(stack, 'NotFoundTtl', { type: 'Number' });
      const header = new CfnParameter(stack, 'Header');
      return { notFoundTtl: Duration.seconds(ttl.valueAsNumber), forwardHeaders: [header.valueAsString], memorySize: ttl.valueAsNumber };
    });
    const env = environment(template);
    expect(JSON.stringify(env[ENVIRONMENT_VARIABLES.notFoundTtlSeconds])).toContain('"Ref":"NotFoundTtl"');
    expect(JSON.stringify(env[ENVIRONMENT_VARIABLES.forwardHeaders])).toContain('"Ref":"Header"');
  });
});
