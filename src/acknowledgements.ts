/**
 * The cdk-nag (AwsSolutions) findings the construct acknowledges, each with the reason it is right here.
 *
 * They are recorded with aws-cdk-lib's own `Validations.of(x).acknowledge()`, which cdk-nag 3 reads, so the
 * library does not depend on cdk-nag. Each one is added only while its condition holds: a user who sets
 * `enableLogging`, `webAclId`, `geoRestriction` or `certificate` no longer needs it. A user's own distribution
 * bound to a `MirrorOrigin` gets no acknowledgement: its settings are the user's.
 */
import { Stack, Validations } from 'aws-cdk-lib';
import type * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { IConstruct } from 'constructs';
import { LEASE_TABLE_ID } from './lease-table';
import type { MirrorOriginDistributionProps } from './props';

/** A mirror, as far as its acknowledgements go. */
export interface NagOrigin extends IConstruct {
  readonly bucket: s3.IBucket;
}

/** Acknowledges the findings on a mirror's own resources that its design accepts. */
export function acknowledgeOriginFindings(mirror: NagOrigin, context: { readonly ownsBucket: boolean; readonly keyPrefix: string }): void {
  if (context.ownsBucket) {
    acknowledge(mirror.bucket, 'AwsSolutions-S1',
      'Server access logs would need a second bucket and cost per request; viewer access is logged by CloudFront ' +
      '(enableLogging) and every store by the handler in CloudWatch Logs.');
  }
  const objects = mirror.bucket.arnForObjects(`${context.keyPrefix}*`);
  acknowledge(mirror.node.tryFindChild('HandlerRole'), `AwsSolutions-IAM5[Resource::${flattenForNag(Stack.of(mirror).resolve(objects))}]`,
    'The handler stores objects whose keys are only known when a viewer asks for them; it may only get and put objects ' +
    '(a single-flight waiter reads what its holder stored) and abort multipart uploads under the key prefix, never list or delete.');
  acknowledge(mirror.node.tryFindChild(LEASE_TABLE_ID), 'AwsSolutions-DDB3',
    'The lease table only holds single-flight leases, each useful for the seconds an object takes to fetch; a restored ' +
    'table would hold nothing worth having, so point-in-time recovery would only cost.');
}

/** Acknowledges the findings on a `MirrorOriginDistribution`'s distribution that its defaults accept. */
export function acknowledgeDistributionFindings(
  owner: IConstruct, distribution: cloudfront.Distribution, props: MirrorOriginDistributionProps,
): void {
  acknowledge(owner.node.tryFindChild('LogBucket'), 'AwsSolutions-S1',
    'This is the bucket CloudFront writes its access logs to; logging its own accesses would recurse.');
  if (!props.geoRestriction) {
    acknowledge(distribution, 'AwsSolutions-CFR1',
      'The mirror serves the same content as the origin it replaces, to the same countries; set geoRestriction to restrict it.');
  }
  if (!props.webAclId) {
    acknowledge(distribution, 'AwsSolutions-CFR2',
      'AWS WAF adds a monthly and a per-request charge and its rules depend on the site, so it is opt-in (webAclId); ' +
      'the function URL only accepts CloudFront (AWS_IAM + OAC), so no request can bypass a web ACL once one is set.');
  }
  if (!props.enableLogging && !props.logBucket) {
    acknowledge(distribution, 'AwsSolutions-CFR3',
      'Access logs are opt-in (enableLogging or logBucket) so the construct adds no storage cost by default; ' +
      'the handler logs every fetch and store to CloudWatch Logs.');
  }
  if (!props.certificate) {
    acknowledge(distribution, 'AwsSolutions-CFR4',
      'Without domainNames and certificate the distribution uses the *.cloudfront.net certificate, whose security policy ' +
      'CloudFront fixes; with a certificate the minimum is TLSv1.2_2021.');
  }
}

/** Records that finding `id` on `scope` is accepted, for `reason`. */
export function acknowledge(scope: IConstruct | undefined, id: string, reason: string): void {
  if (scope) Validations.of(scope).acknowledge({ id, reason });
}

/**
 * A resolved CloudFormation value written the way cdk-nag names it in a finding id: `Fn::Join` joined,
 * `Fn::GetAtt` as `<Logical.Attr>`, `Ref` as `<Name>`, `${x}` as `<x>`.
 */
export function flattenForNag(value: unknown): string {
  if (typeof value === 'string') return value.replace(/\$\{/g, '<').replace(/\}/g, '>');
  if (value && typeof value === 'object') {
    const node = value as Record<string, unknown>;
    if (Array.isArray(node['Fn::Join'])) {
      const [delimiter, items] = node['Fn::Join'] as [string, unknown[]];
      return items.map(flattenForNag).join(delimiter);
    }
    if (node['Fn::Sub'] !== undefined) return flattenForNag(node['Fn::Sub']);
    if (Array.isArray(node['Fn::GetAtt'])) {
      const [resource, attribute] = node['Fn::GetAtt'] as unknown[];
      return `<${flattenForNag(resource)}.${flattenForNag(attribute)}>`;
    }
    if (node['Fn::ImportValue'] !== undefined) return flattenForNag(node['Fn::ImportValue']);
    if (node.Ref !== undefined) return `<${flattenForNag(node.Ref)}>`;
  }
  return JSON.stringify(value);
}
