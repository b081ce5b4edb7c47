/**
 * The cdk-nag (AwsSolutions) findings the jobs acknowledge, each with the reason it is right here, recorded as the
 * mirror's are (`Validations.acknowledge`, read by cdk-nag 3; no dependency on cdk-nag).
 */
import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { IConstruct } from 'constructs';
import { acknowledge, flattenForNag } from '../acknowledgements';
import type { MirrorOrigin } from '../mirror-origin';

/** What the acknowledgements depend on. */
export interface JobsNagContext {
  readonly ownsReportsBucket: boolean;
  readonly mirror: MirrorOrigin;
  readonly reportsPrefix: string;
}

/** The jobs, as far as their acknowledgements go. */
export interface NagJobs extends IConstruct {
  readonly reportsBucket: s3.IBucket;
  readonly manifestBucket: s3.IBucket;
  readonly stateMachine: sfn.StateMachine;
}

/** Why the state machine's role (policies aws-cdk writes for Distributed Map) names each kind of wildcard resource. */
const STATE_MACHINE_WILDCARDS: ReadonlyArray<[RegExp, string]> = [
  [/^lambda:/, 'aws-cdk lets a task invoke the jobs\' own functions and their versions (function ARN and ARN:*), nothing else.'],
  [/^s3:/, 'Distributed Map reads the run\'s items (a JSONL file or an inventory named in the execution input) and writes the result files under a prefix named at run time, in the reports and manifest buckets only.'],
  [/^logs:/, 'CloudWatch Logs\' vended log delivery for a state machine is only granted on "*" (its actions take no resource).'],
  [/^states:/, 'Distributed Map starts, describes, stops and redrives its child executions, named at run time, of this state machine only.'],
];

/** Acknowledges the findings on the jobs' own resources that their design accepts. */
export function acknowledgeJobsFindings(jobs: NagJobs, context: JobsNagContext): void {
  const stack = Stack.of(jobs);
  const resource = (arn: string) => `AwsSolutions-IAM5[Resource::${flattenForNag(stack.resolve(arn))}]`;
  const child = (path: string) => jobs.node.tryFindChild(path);
  if (context.ownsReportsBucket) {
    acknowledge(child('ReportsBucket'), 'AwsSolutions-S1',
      'The reports bucket holds the jobs\' own reports, written by the state machine and its function, whose calls CloudWatch Logs and CloudTrail record.');
  }
  acknowledge(child('ItemRole'), resource(context.mirror.bucket.arnForObjects(`${context.mirror.keyPrefix}*`)),
    'A job reads and stores the mirror\'s objects whose keys come from a manifest at run time; only under the mirror\'s key prefix, never delete.');
  acknowledge(child('RunRole'), resource(jobs.reportsBucket.arnForObjects(`${context.reportsPrefix}*`)),
    'Each run writes its items, summary and CSV, and reads its result files, under a folder named at run time (the execution\'s name) below reportsPrefix.');
  acknowledge(child('RunRole'), resource(jobs.manifestBucket.arnForObjects('*')),
    'A run reads the manifest its execution input names, in the manifest bucket only (read, never write).');
  acknowledgeStateMachine(jobs);
}

/** AwsSolutions-IAM5 for each wildcard resource of the policies aws-cdk wrote under the state machine, with its reason. */
function acknowledgeStateMachine(jobs: NagJobs): void {
  const stack = Stack.of(jobs);
  const machine = jobs.stateMachine;
  acknowledge(machine, 'AwsSolutions-SF1',
    'The state machine logs errors; every item\'s outcome is in the run\'s result files and CSV, and one log line per item in the item function\'s logs, so logging every transition of every batch adds cost and nothing to read.');
  acknowledge(machine, 'AwsSolutions-SF2',
    'X-Ray traces are billed per trace and a run has one per batch; each item\'s origin and store times are in the item function\'s log lines.');
  for (const policy of machine.node.findAll().filter((c): c is iam.Policy => c instanceof iam.Policy)) {
    const document = stack.resolve(policy.document.toJSON()) as { Statement?: Array<{ Action: string | string[]; Resource: unknown }> };
    const statements = document.Statement ?? [];
    for (const statement of statements) {
      const actions = ([] as string[]).concat(statement.Action);
      const reason = STATE_MACHINE_WILDCARDS.find(([pattern]) => actions.every((a) => pattern.test(a)))?.[1];
      for (const resource of ([] as unknown[]).concat(statement.Resource)) {
        const name = flattenForNag(resource);
        if (reason && name.includes('*')) acknowledge(policy, `AwsSolutions-IAM5[Resource::${name}]`, reason);
      }
    }
  }
}
