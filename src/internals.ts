/**
 * What the library's own constructs (jobs, metrics, single-flight) need of a `MirrorOrigin` beyond its public members:
 * the handler's configuration, its role and function, and where the mirror is bound. Kept off the public API (this
 * module is not exported from index.ts), so jsii users see only the documented members.
 */
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { IConstruct } from 'constructs';
import type { MirrorConfig } from './config';
import type { MirrorBinding } from './distribution-requirements';
import type { MirrorOriginProps } from './props';

/** A mirror's internals. */
export interface MirrorInternals {
  /** The configuration written into the handler's environment (the same object the variant function's list comes from). */
  readonly config: MirrorConfig;
  /** The props the mirror was made with. */
  readonly props: MirrorOriginProps;
  /** The handler, as a concrete function (environment variables can be added). */
  readonly handler: lambda.Function;
  /** The handler's role. */
  readonly handlerRole: iam.Role;
  /** The distributions it is bound to (filled as `addBehavior` binds it, so read it lazily, at synth). */
  readonly bindings: readonly MirrorBinding[];
}

const INTERNALS = new WeakMap<IConstruct, MirrorInternals>();

/** Records `mirror`'s internals (its constructor does). */
export function registerInternals(mirror: IConstruct, internals: MirrorInternals): void {
  INTERNALS.set(mirror, internals);
}

/** The internals of a `MirrorOrigin`. */
export function internalsOf(mirror: IConstruct): MirrorInternals {
  const internals = INTERNALS.get(mirror);
  if (!internals) throw new Error(`${mirror.node.path} is not a MirrorOrigin`);
  return internals;
}
