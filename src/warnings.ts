/**
 * The warnings a mirror adds at synth (`Annotations.addWarningV2`), their ids and texts, and what they are computed
 * from. Each can be acknowledged with `Annotations.of(mirror).acknowledgeWarning(id)`.
 */
import { Size, SizeRoundingBehavior, Stack, Token } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import { Construct } from 'constructs';
import { MAX_PARTS, partSizeFor, UPLOAD_QUEUE_SIZE } from './config';
import { ORIGIN_PROP_DEFAULTS } from './defaults';
import type { MirrorOriginProps } from './props';

/** Ids of the warnings the construct adds (acknowledge them with `Annotations.of(mirror).acknowledgeWarning(id)`). */
export const WARNING_IDS = {
  minTtl: 'cdk-mirror-origin:minTtl',
  cachePolicyMinTtl: 'cdk-mirror-origin:cachePolicyMinTtl',
  forwardHeadersQuota: 'cdk-mirror-origin:forwardHeadersQuota',
  memory: 'cdk-mirror-origin:memory',
} as const;

/** CloudFront's default quota of headers in one origin request policy. */
export const ORIGIN_REQUEST_POLICY_HEADER_QUOTA = 10;

/** The texts of those warnings. */
export const WARNINGS = {
  minTtl: (seconds: number): string =>
    `minTtl is ${seconds} s: CloudFront then caches for at least that long the handler's redirect for objects above ` +
    'streamThreshold and for objects the origin sends encoded (a redirect to the same URL that loops while cached). Keep minTtl at 0.',
  cachePolicyMinTtl: (seconds: number | undefined): string =>
    (seconds === undefined
      ? 'The minimum TTL of cachePolicy cannot be checked at synth (an imported policy that is not a known managed one, or a token).'
      : `cachePolicy has a minimum TTL of ${seconds} s.`) +
    ' With a minimum TTL above 0 CloudFront caches the handler\'s redirect for objects above streamThreshold and for objects ' +
    'the origin sends encoded (a redirect to the same URL that loops while cached). Use a policy with a minimum TTL of 0.',
  memory: (thresholdBytes: number, maxObjectBytes: number, partBytes: number, memoryMiB: number): string =>
    `A miss can hold ${mib(thresholdBytes + (UPLOAD_QUEUE_SIZE + 1) * partBytes)} MiB of the object in the handler's memory, ` +
    `more than half of its ${memoryMiB} MiB: up to streamThreshold (${mib(thresholdBytes)} MiB), which a streamed object ` +
    `fills while a slow viewer reads it (Lambda sends about 2 MB/s after the first 6 MB), plus ${UPLOAD_QUEUE_SIZE + 1} ` +
    `upload parts of ${mib(partBytes)} MiB (maxObjectSize is ${maxObjectBytes} bytes and S3 takes at most ${MAX_PARTS} parts). ` +
    'Raise memorySize, or lower streamThreshold or maxObjectSize.',
  forwardHeadersQuota: (count: number): string =>
    `forwardHeaders names ${count} headers; CloudFront allows ${ORIGIN_REQUEST_POLICY_HEADER_QUOTA} in an origin request policy ` +
    'unless the quota "Headers per origin request policy" was raised, and the deployment fails otherwise.',
} as const;

function mib(bytes: number): number {
  return Math.ceil(bytes / (1024 * 1024));
}

/**
 * The warning when what one miss can hold in memory takes more than half the handler's: a streamed object up to
 * `streamThreshold` (viewer writes do not wait, and the read-ahead of an unknown length holds as much) plus the upload's
 * part buffers (sized by `maxObjectSize` when the length is unknown). Undefined when it fits or a value is a token.
 */
export function memoryWarning(streamThreshold: Size, maxObjectSize: Size, memoryMiB: number): string | undefined {
  if (streamThreshold.isUnresolved() || maxObjectSize.isUnresolved() || Token.isUnresolved(memoryMiB)) return undefined;
  const thresholdBytes = streamThreshold.toBytes({ rounding: SizeRoundingBehavior.NONE });
  const maxBytes = maxObjectSize.toBytes({ rounding: SizeRoundingBehavior.NONE });
  const partBytes = partSizeFor(maxBytes);
  const held = thresholdBytes + (UPLOAD_QUEUE_SIZE + 1) * partBytes;
  return held > (memoryMiB * 1024 * 1024) / 2 ? WARNINGS.memory(thresholdBytes, maxBytes, partBytes, memoryMiB) : undefined;
}


/**
 * Minimum TTLs of CloudFront's managed cache policies, by ID, as the CloudFront Developer Guide lists them
 * ("Use managed cache policies"). A managed policy not listed here cannot be checked.
 */
const MANAGED_CACHE_POLICY_MIN_TTL_SECONDS: ReadonlyMap<string, number> = new Map([
  ['658327ea-f89d-4fab-a63d-7e88639e58f6', 1], // CachingOptimized
  ['b2884449-e4de-46a7-ac36-70bc7f1ddd6d', 1], // CachingOptimizedForUncompressedObjects
  ['4135ea2d-6df8-44a3-9df3-4b5a84be39ad', 0], // CachingDisabled
  ['08627262-05a9-4f76-9ded-b50ca2e3a84f', 0], // Elemental-MediaPackage
  ['2e54312d-136d-493c-8eb9-b001f22f67d2', 2], // Amplify
]);

/** The minimum TTL of a managed cache policy or one defined in the app, or undefined when it cannot be known at synth. */
export function minTtlSecondsOf(policy: cloudfront.ICachePolicy): number | undefined {
  const managed = MANAGED_CACHE_POLICY_MIN_TTL_SECONDS.get(policy.cachePolicyId);
  if (managed !== undefined) return managed;
  const resource = Construct.isConstruct(policy) ? policy.node.defaultChild : undefined;
  if (!(resource instanceof cloudfront.CfnCachePolicy)) return undefined;
  const config = Stack.of(resource).resolve(resource.cachePolicyConfig);
  const minTtl: unknown = config?.minTtl;
  return typeof minTtl === 'number' ? minTtl : undefined;
}

/** The warnings a mirror's props deserve, as [id, message]. */
export function originWarnings(props: MirrorOriginProps): Array<[string, string]> {
  const warnings: Array<[string, string]> = [];
  // A cached redirect to the same URL loops, so any minimum TTL above 0 deserves a warning.
  if (props.cachePolicy) {
    const seconds = minTtlSecondsOf(props.cachePolicy);
    if (seconds !== 0) warnings.push([WARNING_IDS.cachePolicyMinTtl, WARNINGS.cachePolicyMinTtl(seconds)]);
  } else if (props.minTtl && !props.minTtl.isUnresolved() && props.minTtl.toSeconds() > 0) {
    warnings.push([WARNING_IDS.minTtl, WARNINGS.minTtl(props.minTtl.toSeconds())]);
  }
  const d = ORIGIN_PROP_DEFAULTS;
  const memory = memoryWarning(props.streamThreshold ?? d.streamThreshold, props.maxObjectSize ?? d.maxObjectSize, props.memorySize ?? d.memorySize);
  if (memory) warnings.push([WARNING_IDS.memory, memory]);
  const forwardHeaderCount = props.forwardHeaders?.length ?? 0;
  if (forwardHeaderCount > ORIGIN_REQUEST_POLICY_HEADER_QUOTA) {
    warnings.push([WARNING_IDS.forwardHeadersQuota, WARNINGS.forwardHeadersQuota(forwardHeaderCount)]);
  }
  return warnings;
}
