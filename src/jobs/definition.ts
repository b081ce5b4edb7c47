/**
 * The jobs' state machine: prepare → one of three Distributed Map states (a Map state has one item reader: the JSONL
 * items a manifest became, an S3 Inventory manifest, or the mirror bucket's listing) → summarise → finish, then
 * succeed with the summary as the output, or fail after writing it when the Map state failed.
 *
 * ```
 * Prepare → Choice ─ lines ──────→ Map (JSONL) ─────┐
 *                  ├ inventory ──→ Map (MANIFEST) ──┼→ Summarise → Finish → Choice → Succeed | Fail
 *                  ├ listing ────→ Map (listObjectsV2)
 *                  └ no items ──────────────────────┘
 * ```
 */
import { Duration } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';

/** What the definition is built from. */
export interface JobsDefinitionProps {
  readonly itemFunction: lambda.IFunction;
  readonly runFunction: lambda.IFunction;
  readonly reportsBucket: s3.IBucket;
  readonly manifestBucket: s3.IBucket;
  readonly mirrorBucket: s3.IBucket;
  readonly keyPrefix: string;
  readonly maxConcurrency: number;
  readonly batchSize: number;
  readonly toleratedFailurePercentage: number;
}

/** The error a run fails with when its Map state failed (the summary is written first). */
export const JOB_FAILED_ERROR = 'MirrorJobFailed';

/** Builds the states under `scope`; returns the start of the chain. */
export function jobsDefinition(scope: Construct, props: JobsDefinitionProps): sfn.IChainable {
  const prepare = new tasks.LambdaInvoke(scope, 'Prepare', {
    comment: 'Checks the input; turns a paths, keys or report manifest into JSONL items',
    lambdaFunction: props.runFunction,
    payload: sfn.TaskInput.fromObject({
      step: 'prepare',
      input: sfn.JsonPath.entirePayload,
      run: sfn.JsonPath.executionName,
      startedAt: sfn.JsonPath.executionStartTime,
    }),
    payloadResponseOnly: true,
    resultPath: '$.run',
  });

  const summarise = new tasks.LambdaInvoke(scope, 'Summarise', {
    comment: 'Counts the outcomes in the result files; writes the CSV of keys that need more and the changed paths',
    lambdaFunction: props.runFunction,
    payload: sfn.TaskInput.fromObject({ step: 'summarise', state: sfn.JsonPath.entirePayload }),
    payloadResponseOnly: true,
    resultPath: '$.summary',
  });
  const finish = new tasks.LambdaInvoke(scope, 'Finish', {
    comment: 'Invalidates what refresh changed; writes summary.json',
    lambdaFunction: props.runFunction,
    payload: sfn.TaskInput.fromObject({ step: 'finish', summary: sfn.JsonPath.objectAt('$.summary'), folder: sfn.JsonPath.stringAt('$.run.folder') }),
    payloadResponseOnly: true,
    resultPath: '$.summary',
  });
  // CloudFront refuses more invalidations while 3,000 paths are in progress: wait for them.
  finish.addRetry({ errors: ['TooManyInvalidationsInProgress'], interval: Duration.minutes(1), backoffRate: 2, maxAttempts: 8 });
  const done = new sfn.Choice(scope, 'Did the run fail?')
    .when(sfn.Condition.isPresent('$.summary.error'), new sfn.Fail(scope, 'Run failed', { error: JOB_FAILED_ERROR, causePath: '$.summary.error' }))
    .otherwise(new sfn.Succeed(scope, 'Run done', { outputPath: '$.summary' }));
  const summary = summarise.next(finish).next(done);

  const lines = mapState(scope, 'Items', props, new sfn.S3JsonLItemReader({ bucket: props.reportsBucket, key: sfn.JsonPath.stringAt('$.run.items.key') }));
  const inventory = mapState(scope, 'Inventory', props, new sfn.S3ManifestItemReader({ bucket: props.manifestBucket, key: sfn.JsonPath.stringAt('$.run.items.key') }));
  const listing = mapState(scope, 'Listing', props, new sfn.S3ObjectsItemReader({ bucket: props.mirrorBucket, prefix: props.keyPrefix || undefined }));
  for (const map of [lines, inventory, listing]) {
    map.addCatch(summarise, { resultPath: '$.mapError' });
    map.next(summarise);
  }

  return prepare.next(new sfn.Choice(scope, 'Which items?')
    .when(sfn.Condition.stringEquals('$.run.reader', 'listing'), listing)
    .when(sfn.Condition.stringEquals('$.run.reader', 'inventory'), inventory)
    .when(sfn.Condition.numberEquals('$.run.count', 0), summary)
    .otherwise(lines));
}

/** A Distributed Map state over `reader`'s items, in batches, each run by the item function. */
function mapState(scope: Construct, name: string, props: JobsDefinitionProps, reader: sfn.IItemReader): sfn.DistributedMap {
  const map = new sfn.DistributedMap(scope, `Run ${name}`, {
    comment: `Runs each batch of ${name.toLowerCase()} through the item function`,
    itemReader: reader,
    itemBatcher: new sfn.ItemBatcher({
      maxItemsPerBatch: props.batchSize,
      batchInput: { 'mode.$': '$.run.mode', 'source.$': '$.run.source', 'stripPrefix.$': '$.run.stripPrefix' },
    }),
    maxConcurrency: props.maxConcurrency,
    toleratedFailurePercentage: props.toleratedFailurePercentage,
    // Standard child executions: a batch of large objects may run longer than an express execution's 5 minutes.
    mapExecutionType: sfn.StateMachineType.STANDARD,
    resultWriterV2: new sfn.ResultWriterV2({
      bucket: props.reportsBucket,
      prefix: sfn.JsonPath.stringAt('$.run.resultsPrefix'),
      // One item result per JSON line: the summary streams them whatever the run's size.
      writerConfig: new sfn.WriterConfig({ outputType: sfn.OutputType.JSONL, transformation: sfn.Transformation.FLATTEN }),
    }),
    resultPath: '$.map',
  });
  const batch = new tasks.LambdaInvoke(scope, `Batch of ${name.toLowerCase()}`, {
    comment: 'Runs the batch\'s items one after another',
    lambdaFunction: props.itemFunction,
    payloadResponseOnly: true,
  });
  // Throttled by the account's concurrency: wait and try the batch again (service errors are retried by default).
  batch.addRetry({ errors: ['Lambda.TooManyRequestsException'], interval: Duration.seconds(5), backoffRate: 2, maxAttempts: 8 });
  map.itemProcessor(batch);
  return map;
}
