/**
 * What a mirror needs from the distribution it is bound to, checked at synth on the distribution's resolved
 * configuration (`Distribution` has no public getter for its error responses or behaviours). A distribution that
 * breaks one fails synth with the setting and the line to add.
 */
import { Stack } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import { IConstruct } from 'constructs';

/** The 4xx and 5xx statuses whose error-caching minimum TTL CloudFront lets a distribution set. */
export const ERROR_CACHING_STATUS_CODES: readonly number[] = [400, 403, 404, 405, 414, 416, 500, 501, 502, 503, 504];

/**
 * Those of them the handler answers: its 400, 405, 414 and 500, 502 and 504, and every origin 4xx it passes on (all six
 * listed 4xx). Cached longer than 0 s, a no-store error would be served to everyone for 10 s, and notFoundTtl would not apply.
 */
export const HANDLER_ERROR_STATUS_CODES: readonly number[] = [400, 403, 404, 405, 414, 416, 500, 502, 504];

/** Where a mirror is bound: the distribution, and the id its primary (bucket) origin got there. */
export interface MirrorBinding {
  readonly distribution: cloudfront.Distribution;
  readonly primaryOriginId: string;
  /** The mirror's construct path, for the messages. */
  readonly mirrorPath: string;
  /** The variant CloudFront Function, which every behaviour of the mirror must run. */
  readonly variantFunction?: cloudfront.IFunction;
}

/** The distribution an origin is being bound under (the distribution binds in a child scope of its own). */
export function findDistribution(scope: IConstruct): cloudfront.Distribution | undefined {
  for (let node: IConstruct | undefined = scope; node; node = node.node.scope) {
    if (node instanceof cloudfront.Distribution) return node;
  }
  return undefined;
}

/** Every way the bound distribution fails the mirror (empty when it serves it right). */
export function bindingProblems(binding: MirrorBinding): string[] {
  const cfn = binding.distribution.node.defaultChild as cloudfront.CfnDistribution;
  const config = Stack.of(cfn).resolve(cfn.distributionConfig) as DistributionConfig;
  const mirror = `MirrorOrigin ${binding.mirrorPath}`;
  const problems = [...errorResponseProblems(config, mirror)];

  const groupId = (config.originGroups?.items ?? [])
    .find((group) => group.members?.items?.[0]?.originId === binding.primaryOriginId)?.id;
  const isDefault = groupId !== undefined && config.defaultCacheBehavior?.targetOriginId === groupId;
  const behaviours: Array<{ readonly pattern: string; readonly behaviour: Behaviour }> = [
    ...(isDefault ? [{ pattern: 'the default behaviour', behaviour: config.defaultCacheBehavior! }] : []),
    ...(config.cacheBehaviors ?? []).filter((b) => groupId !== undefined && b.targetOriginId === groupId).map((b) => ({ pattern: `the behaviour "${b.pathPattern}"`, behaviour: b })),
  ];
  if (isDefault && !config.defaultRootObject) {
    problems.push(`defaultRootObject must be set, since ${mirror} is the default behaviour and its bucket origin has LIST access ` +
      '(without it "/" lists the bucket): add defaultRootObject: \'index.html\' to the distribution\'s props');
  }
  if (binding.variantFunction) {
    const arn = JSON.stringify(Stack.of(cfn).resolve(binding.variantFunction.functionArn));
    for (const { pattern, behaviour } of behaviours) {
      const runs = (behaviour.functionAssociations ?? [])
        .some((a) => a.eventType === 'viewer-request' && JSON.stringify(a.functionArn) === arn);
      if (!runs) {
        problems.push(`${pattern} serves ${mirror} without its variant CloudFront Function (variantQueryStrings): pass the mirror's ` +
          'behaviorOptions to addBehavior (they hold its functionAssociations)');
      }
    }
  }
  return problems;
}

/** The handler's error statuses must be cached 0 s and never replaced by a custom page or status. */
function errorResponseProblems(config: DistributionConfig, mirror: string): string[] {
  const responses = new Map((config.customErrorResponses ?? []).map((r) => [r.errorCode, r]));
  const notZero: string[] = [];
  const rewritten: string[] = [];
  for (const status of HANDLER_ERROR_STATUS_CODES) {
    const response = responses.get(status);
    if (response?.responsePagePath !== undefined || response?.responseCode !== undefined) {
      rewritten.push(`${status} (${[response.responseCode !== undefined ? `responseHttpStatus ${response.responseCode}` : '',
        response.responsePagePath !== undefined ? `responsePagePath "${response.responsePagePath}"` : ''].filter(Boolean).join(', ')})`);
    } else if (response?.errorCachingMinTtl !== 0) {
      notZero.push(response === undefined ? `${status} (none, so 10 s)` : `${status} (${response.errorCachingMinTtl} s)`);
    }
  }
  const problems: string[] = [];
  if (notZero.length > 0) {
    problems.push(`errorResponses must cache the errors ${mirror} answers for 0 s, or CloudFront serves its no-store errors to everyone ` +
      `for 10 s and notFoundTtl has no effect; the error-caching minimum TTL is not 0 for ${notZero.join(', ')}: add ` +
      'errorResponses: MirrorOrigin.errorResponses() to the distribution\'s props (with your own entries for other statuses)');
  }
  if (rewritten.length > 0) {
    problems.push(`errorResponses must not replace the errors ${mirror} answers, or every miss that errs gets that page instead; ` +
      `they rewrite ${rewritten.join(', ')}: remove those entries (a single-page app's "404 -> /index.html" is done per behaviour, ` +
      'for example with a CloudFront Function, not with errorResponses, which apply to the whole distribution)');
  }
  return problems;
}

/** The parts of a resolved `DistributionConfig` read here. */
interface DistributionConfig {
  readonly defaultRootObject?: string;
  readonly customErrorResponses?: ReadonlyArray<{
    readonly errorCode: number; readonly errorCachingMinTtl?: number; readonly responseCode?: number; readonly responsePagePath?: string;
  }>;
  readonly originGroups?: {
    readonly items?: ReadonlyArray<{ readonly id: string; readonly members?: { readonly items?: ReadonlyArray<{ readonly originId: string }> } }>;
  };
  readonly defaultCacheBehavior?: Behaviour;
  readonly cacheBehaviors?: ReadonlyArray<Behaviour & { readonly pathPattern: string }>;
}

interface Behaviour {
  readonly targetOriginId: string;
  readonly functionAssociations?: ReadonlyArray<{ readonly eventType: string; readonly functionArn: unknown }>;
}

/**
 * Where the mirror of `binding` is served in its distribution: the distribution's path patterns in CloudFront's
 * order, each with whether its behaviour serves this mirror, and whether the default behaviour does (read at synth,
 * from the resolved configuration; the jobs filter a shared bucket's listing with it).
 */
export function bindingRoutes(binding: MirrorBinding): { patterns: Array<{ pattern: string; mine: boolean }>; defaultMine: boolean } {
  const cfn = binding.distribution.node.defaultChild as cloudfront.CfnDistribution;
  const config = Stack.of(cfn).resolve(cfn.distributionConfig) as DistributionConfig;
  const groupId = (config.originGroups?.items ?? []).find((group) => group.members?.items?.[0]?.originId === binding.primaryOriginId)?.id;
  return {
    patterns: (config.cacheBehaviors ?? []).map((b) => ({ pattern: b.pathPattern, mine: groupId !== undefined && b.targetOriginId === groupId })),
    defaultMine: groupId !== undefined && config.defaultCacheBehavior?.targetOriginId === groupId,
  };
}
