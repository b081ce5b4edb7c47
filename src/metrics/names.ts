/**
 * The names the handler's metrics are written under and the construct reads them back by: namespace, dimensions,
 * metric names and units, and the outcome vocabulary as a list. One module for both sides, like `../config`, so no
 * name is written twice.
 *
 * This module is bundled into the handler: it must not import aws-cdk-lib.
 */
import type { Outcome } from '../handler/result';

/** The CloudWatch namespace of every metric the handler writes. */
export const METRICS_NAMESPACE = 'CdkMirrorOrigin';

/**
 * Dimension names: every metric has `Mirror`, and each also exists per `Outcome`. A migration job's records also
 * carry `Job` (its mode) in both sets, so the mirror's own [Mirror] and [Mirror, Outcome] metrics stay the viewer
 * path's (the alarms and the origin budget read them) while a job's bytes from the origin are the same metric, per job.
 */
export const DIMENSIONS = {
  mirror: 'Mirror',
  outcome: 'Outcome',
  job: 'Job',
} as const;

/** The metrics, each with its CloudWatch unit. */
export const METRICS = {
  /** 1 per request the handler served (a miss in the bucket), whatever its outcome. */
  misses: { name: 'Misses', unit: 'Count' },
  /** 1 per key a migration job's item function ran, whatever its outcome (dimensions Mirror and Job). */
  jobItems: { name: 'JobItems', unit: 'Count' },
  /** Body bytes received from the origin. */
  bytesFromOrigin: { name: 'BytesFromOrigin', unit: 'Bytes' },
  /** Milliseconds until the origin's response headers; one value per request sent to the origin. */
  originLatency: { name: 'OriginLatency', unit: 'Milliseconds' },
  /** Milliseconds from the first write to S3 to its confirmation or refusal. */
  storeDuration: { name: 'StoreDuration', unit: 'Milliseconds' },
  /** 1 when the viewer got the object streamed as it arrived from the origin. */
  streamed: { name: 'Streamed', unit: 'Count' },
  /** 1 when the viewer got a redirect to the stored object. */
  redirected: { name: 'Redirected', unit: 'Count' },
} as const;

/** Every outcome (src/handler/result.ts), as values: the `Outcome` dimension's possible values. */
export const OUTCOMES = [
  'stored', 'exists', 'waited', 'present', 'missing', 'unchanged', 'updated', 'conflict', 'gone', 'not-found', 'rejected',
  'origin-client-error', 'origin-error', 'timeout', 'deadline', 'too-large', 'store-error', 'method-not-allowed', 'options',
  'internal-error',
] as const satisfies readonly Outcome[];

// The list must name every outcome: this line stops compiling when result.ts gains one the list lacks.
const EVERY_OUTCOME_LISTED: Exclude<Outcome, typeof OUTCOMES[number]> extends never ? true : never = true;
void EVERY_OUTCOME_LISTED;

/** Outcomes that say the origin failed or was too slow: what the origin-errors alarm counts. */
export const ORIGIN_FAILURE_OUTCOMES = ['origin-error', 'timeout'] as const satisfies readonly Outcome[];

/** Longest mirror name: CloudWatch allows 1,024 characters in a dimension value; a name is read on dashboards. */
export const MAX_MIRROR_NAME_LENGTH = 255;

/** Why `name` cannot be a mirror's name (the value of its `Mirror` dimension); undefined when it can. */
export function mirrorNameProblem(name: string): string | undefined {
  if (name.length === 0 || name.length > MAX_MIRROR_NAME_LENGTH || !/[^ ]/.test(name) || !/^[\x20-\x7e]*$/.test(name)) {
    return `must be 1 to ${MAX_MIRROR_NAME_LENGTH} printable ASCII characters, not only spaces (the value of the metrics' ` +
      `${DIMENSIONS.mirror} dimension), got ${JSON.stringify(name)}`;
  }
  return undefined;
}

/**
 * The mirror's name as alarm descriptions give it: whole up to 64 characters, else cut with an ellipsis, so that
 * a description stays within CloudWatch's 1,024 characters for any legal mirrorName (up to 255).
 */
export function describedName(mirrorName: string): string {
  return mirrorName.length <= 64 ? mirrorName : `${mirrorName.slice(0, 63)}…`;
}
