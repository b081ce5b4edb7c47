/**
 * A local Lambda function invoked with a JSON event and answering with JSON (as Step Functions invokes the jobs'
 * functions): the bundled code on containers of the local runtime (`local/lambda`), at most `maxContainers` at once,
 * with the template's environment plus the local stand-ins', never this process's.
 */
import { randomUUID } from 'node:crypto';
import type { JobFunctionSpec } from './spec';
import { bundledRuntimeClient } from '../lambda/function-url';
import { ContainerPool } from '../lambda/pool';

/** How one invocation ended. */
export type Invocation =
  | { readonly ok: true; readonly payload: unknown; readonly logs: readonly string[] }
  | { readonly ok: false; readonly errorType: string; readonly errorMessage: string; readonly logs: readonly string[] };

/** A function that takes JSON events. */
export class LocalFunction {
  /** Starts nothing yet: containers start on the first invocations. */
  static async create(
    spec: JobFunctionSpec, options: { readonly maxContainers: number; readonly localEnvironment: Readonly<Record<string, string>> },
  ): Promise<LocalFunction> {
    const entryFile = await bundledRuntimeClient();
    const name = spec.logicalId;
    const region = options.localEnvironment.AWS_REGION ?? 'us-east-1';
    const environment: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
      LANG: 'en_US.UTF-8',
      TZ: ':UTC',
      ...spec.environment,
      _HANDLER: spec.handler,
      LAMBDA_TASK_ROOT: spec.assetDir,
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
      AWS_LAMBDA_FUNCTION_NAME: name,
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(spec.memoryMb),
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${name}`,
      AWS_LAMBDA_LOG_STREAM_NAME: 'local',
      AWS_REGION: region,
      AWS_DEFAULT_REGION: region,
      ...options.localEnvironment,
    };
    return new LocalFunction(new ContainerPool({
      maxContainers: options.maxContainers,
      whenBusy: 'queue',
      container: { entryFile, codeDir: spec.assetDir, environment, timeoutMs: spec.timeoutSeconds * 1000, functionArn: `arn:aws:lambda:${region}:123456789012:function:${name}` },
    }));
  }

  private constructor(private readonly pool: ContainerPool) {}

  /** Invokes the function with `event`; waits for a free container. */
  async invoke(event: unknown): Promise<Invocation> {
    const handle = await this.pool.invoke(randomUUID(), event);
    if (handle === 'throttled') throw new Error('throttled');
    const outcome = await handle.outcome;
    const report = await handle.finished;
    if (outcome.kind === 'error') return { ok: false, ...outcome.error, logs: report.logs };
    if (outcome.kind !== 'buffered') return { ok: false, errorType: 'Runtime.InvalidResponse', errorMessage: 'the function streamed its answer', logs: report.logs };
    return { ok: true, payload: JSON.parse(outcome.payload.toString('utf8') || 'null'), logs: report.logs };
  }

  /** Stops every container. */
  close(): Promise<void> {
    return this.pool.close();
  }
}
