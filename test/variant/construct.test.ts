import { CfnParameter, Fn, Token } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { loadCloudFrontFunction, viewerRequestEvent } from '../../local/cloudfront-function';
import { ENVIRONMENT_VARIABLES, fromEnvironment } from '../../src/config';
import { viewerRequestFunctionCode } from '../../src/variant/function-code';
import { mirrorStack, onlyResource, TestProps } from '../support/template';

/** The default behaviour of the distribution. */
function defaultBehavior(template: Template): any {
  return onlyResource(template, 'AWS::CloudFront::Distribution').resource.Properties.DistributionConfig.DefaultCacheBehavior;
}

/** The handler's environment variable that carries the parameter list. */
function variantEnvironment(template: Template): unknown {
  return onlyResource(template, 'AWS::Lambda::Function').resource.Properties.Environment.Variables[ENVIRONMENT_VARIABLES.variantQueryStrings];
}

/** The message the construct throws for `props`. */
function errorOf(props: TestProps): string {
  try {
    mirrorStack(props);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('no error');
}

describe('without variantQueryStrings nothing changes', () => {
  test.each<[string, TestProps]>([['no prop', {}], ['an empty list', { variantQueryStrings: [] }]])('%s: no function, no association, an empty list for the handler', (_, props) => {
    const { template } = mirrorStack(props);
    template.resourceCountIs('AWS::CloudFront::Function', 0);
    expect(defaultBehavior(template).FunctionAssociations).toBeUndefined();
    expect(variantEnvironment(template)).toBe('[]');
  });
});

describe('with variantQueryStrings', () => {
  const { template, stack } = mirrorStack({ variantQueryStrings: ['x-oss-process', 'v'] });
  const fn = onlyResource(template, 'AWS::CloudFront::Function');

  test('a cloudfront-js-2.0 function, published, whose code is the bundle with the list written in', () => {
    expect(fn.resource.Properties).toEqual({
      Name: expect.any(Object),
      AutoPublish: true,
      FunctionCode: viewerRequestFunctionCode(['x-oss-process', 'v']),
      FunctionConfig: { Comment: 'cdk-mirror-origin: folds the variant query-string parameters into the path', Runtime: 'cloudfront-js-2.0' },
    });
    expect(fn.resource.Properties.FunctionCode).toContain('var VARIANT_QUERY_STRINGS = ["x-oss-process","v"];');
  });

  test('associated with the default behaviour on viewer requests, so it runs before the cache and both origins', () => {
    expect(defaultBehavior(template).FunctionAssociations).toEqual([
      { EventType: 'viewer-request', FunctionARN: { 'Fn::GetAtt': [fn.id, 'FunctionARN'] } },
    ]);
  });

  test('the handler gets the same list through its environment', () => {
    expect(variantEnvironment(template)).toBe('["x-oss-process","v"]');
    const env = Object.fromEntries(Object.entries(onlyResource(template, 'AWS::Lambda::Function').resource.Properties.Environment.Variables)
      .map(([name, value]) => [name, typeof value === 'string' ? value : 'bucket']));
    expect(fromEnvironment(env).variantQueryStrings).toEqual(['x-oss-process', 'v']);
  });

  test('the code in the template runs as a CloudFront Function', () => {
    const run = loadCloudFrontFunction(fn.resource.Properties.FunctionCode);
    expect(run(viewerRequestEvent('/photo.jpg?v=2&x-oss-process=image/resize,w_150'))).toMatchObject({
      kind: 'request', request: { uri: '/photo.jpg%3Fv%3D2%26x-oss-process%3Dimage%2Fresize%2Cw_150', querystring: {} },
    });
  });

  test('cdk-nag (AwsSolutions) finds nothing new', () => {
    const report = new AwsSolutionsChecks().validateScope(stack);
    const findings = (report.violations as unknown as { ruleName: string; violatingResources: { constructPath: string }[] }[])
      .flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath}`))
      .filter((finding) => finding.includes('Stack/Mirror/'));
    expect(findings).toEqual([]);
  });
});

describe('bad variantQueryStrings fail at synth', () => {
  test.each<[string, string[], string]>([
    ['an empty name', ['x-oss-process', ''], '[Stack/Mirror] variantQueryStrings must not contain an empty parameter name'],
    ['a name twice', ['x-oss-process', 'x-oss-process'], '[Stack/Mirror] variantQueryStrings must not name "x-oss-process" twice'],
    ['more than 10', Array.from({ length: 11 }, (_, i) => `p${i}`), '[Stack/Mirror] variantQueryStrings must name at most 10 parameters, got 11'],
    ['a name with "&"', ['a&b'], '[Stack/Mirror] variantQueryStrings parameter name must not contain spaces, control characters, "&", "=", "#", "%" or "?", got "a&b"'],
    ['a name with a lone surrogate', ['a\uD800'], '[Stack/Mirror] variantQueryStrings parameter name must be valid Unicode (no lone surrogate), got "a\\ud800"'],
  ])('%s', (_, names, message) => {
    expect(errorOf({ variantQueryStrings: names })).toBe(message);
  });

  test('names that make the function larger than 10 KB', () => {
    const names = Array.from({ length: 10 }, (_, i) => `${i}`.padEnd(1_000, 'x'));
    expect(errorOf({ variantQueryStrings: names })).toMatch(
      /^\[Stack\/Mirror\] variantQueryStrings makes the CloudFront Function's code 1\d{4} bytes, over CloudFront's limit of 10240: name fewer or shorter parameters$/);
  });

  test.each<[string, (stack: any) => string[]]>([
    ['a list token', (stack) => new CfnParameter(stack, 'Names', { type: 'CommaDelimitedList' }).valueAsList],
    ['a token in the list', (stack) => ['x-oss-process', new CfnParameter(stack, 'Name').valueAsString]],
    ['Fn.split', () => Fn.split(',', Token.asString({ Ref: 'Names' }))],
  ])('%s: refused, since the names are written into the function\'s code', (_, names) => {
    expect(errorOf((stack) => ({ variantQueryStrings: names(stack) }))).toBe(
      '[Stack/Mirror] variantQueryStrings must be plain strings, not tokens: the names are written into the CloudFront Function\'s code at synth ' +
      '(a CloudFront Function has no environment variables)');
  });
});
