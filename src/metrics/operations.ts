/**
 * What a `MirrorOrigin` gets for operations, set up in one call from its constructor: its metrics, its default
 * alarms, its origin budget, and a synth-time check that no other mirror of the stack writes under its name.
 */
import { Stack, Token } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { IConstruct } from 'constructs';
import { defaultAlarms } from './alarms';
import { OriginBudget } from './budget';
import { MirrorMetrics } from './mirror-metrics';
import { ORIGIN_PROP_DEFAULTS } from '../defaults';
import type { MirrorOriginProps } from '../props';

/** Mirror names by mirror, to find two mirrors of a stack that would write the same metrics. */
const NAMES = new WeakMap<IConstruct, string>();
/** Each mirror's operations, for the library's own constructs (the dashboard). */
const OPERATIONS = new WeakMap<IConstruct, MirrorOperations>();

/** The operations of a `MirrorOrigin`, or undefined for anything else (say, a mirror of another copy of the library). */
export function operationsOf(mirror: IConstruct): MirrorOperations | undefined {
  return OPERATIONS.get(mirror);
}

/** A mirror's metrics, alarms and budget. */
export class MirrorOperations {
  public readonly metrics: MirrorMetrics;
  /** The default alarms (unless `alarms: false`), then the budget's. */
  public readonly alarms: cloudwatch.AlarmBase[];
  /** The origin budget, when there is one. */
  public readonly budget?: OriginBudget;

  constructor(mirror: IConstruct, context: { readonly props: MirrorOriginProps; readonly handler: lambda.IFunction; readonly mirrorName: string }) {
    const { props, handler, mirrorName } = context;
    this.metrics = new MirrorMetrics(mirrorName, mirror.node.path);
    NAMES.set(mirror, mirrorName);
    OPERATIONS.set(mirror, this);
    mirror.node.addValidation({ validate: () => duplicateNameProblems(mirror) });
    this.alarms = (props.alarms ?? ORIGIN_PROP_DEFAULTS.alarms) ? defaultAlarms(mirror, { metrics: this.metrics, handler, mirrorName }) : [];
    if (props.originBudget) {
      this.budget = new OriginBudget(mirror, 'OriginBudget', {
        budget: props.originBudget,
        metrics: this.metrics,
        handler,
        reservedConcurrency: props.reservedConcurrency,
        mirrorName,
        logRetention: props.logRetention ?? ORIGIN_PROP_DEFAULTS.logRetention,
      });
      this.alarms.push(this.budget.alarm);
    }
  }
}

/** The problem when another mirror of the stack has the same name (checked at synth, when every mirror exists). */
function duplicateNameProblems(mirror: IConstruct): string[] {
  const name = NAMES.get(mirror)!;
  if (Token.isUnresolved(name)) return [];
  const other = Stack.of(mirror).node.findAll().find((c) => c !== mirror && NAMES.get(c) === name);
  return other ? [`mirrorName "${name}" is also the name of ${other.node.path}: their metrics and alarms would mix; give each mirror its own mirrorName`] : [];
}
