/**
 * What the local jobs run from a synthesized template: the item function and the run function as the template
 * defines them (staged asset, handler, environment with every reference resolved to its local value, timeout,
 * memory), and the reports bucket. What is run locally is what deploys.
 */
import * as path from 'node:path';
import { ENVIRONMENT_VARIABLES } from '../../src/config';
import { JOBS_ENVIRONMENT_VARIABLES } from '../../src/jobs/config';
import { LOCAL_PSEUDO_PARAMETERS, ReferenceResolver, resolveString } from '../intrinsics';
import { CfnTemplate, localName } from '../template';

/** One jobs function, ready to run locally. */
export interface JobFunctionSpec {
  readonly logicalId: string;
  readonly assetDir: string;
  readonly handler: string;
  readonly environment: Readonly<Record<string, string>>;
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
}

/** The jobs of the template's one `MirrorJobs`. */
export interface JobsSpec {
  readonly item: JobFunctionSpec;
  readonly run: JobFunctionSpec;
  readonly reportsBucket: string;
  readonly reportsPrefix: string;
  /** The mirror's bucket and key prefix, as its item function is told them. */
  readonly mirrorBucket: string;
  readonly keyPrefix: string;
}

/**
 * Reads the jobs from `template` (assets staged in `assemblyDir`). The distributions to invalidate are left out: the
 * local stack has no CloudFront API (the run function then makes no invalidation).
 */
export function readJobsSpec(template: CfnTemplate, assemblyDir: string): JobsSpec {
  const resources = template.Resources ?? {};
  const region = LOCAL_PSEUDO_PARAMETERS['AWS::Region'];
  const resolve: ReferenceResolver = (logicalId, attribute) => {
    if (resources[logicalId]?.Type !== 'AWS::S3::Bucket') return undefined;
    const name = typeof resources[logicalId].Properties?.BucketName === 'string' ? resources[logicalId].Properties!.BucketName : localName(logicalId);
    if (attribute === undefined) return name;
    if (attribute === 'Arn') return `arn:aws:s3:::${name}`;
    if (attribute === 'RegionalDomainName') return `${name}.s3.${region}.amazonaws.com`;
    return undefined;
  };
  const variables = (id: string): Record<string, unknown> | undefined => resources[id]?.Properties?.Environment?.Variables;
  const only = (what: string, match: (env: Record<string, unknown>) => boolean): string => {
    const found = Object.keys(resources).filter((id) => resources[id].Type === 'AWS::Lambda::Function' && variables(id) && match(variables(id)!));
    if (found.length !== 1) throw new Error(`expected one ${what} in the template (one MirrorJobs), found ${found.length}`);
    return found[0];
  };
  const names = JOBS_ENVIRONMENT_VARIABLES;
  const specOf = (logicalId: string): JobFunctionSpec => {
    const fn = resources[logicalId];
    const assetPath = fn.Metadata?.['aws:asset:path'];
    if (typeof assetPath !== 'string') throw new Error(`the function ${logicalId} has no aws:asset:path metadata`);
    const environment: Record<string, string> = {};
    for (const [name, value] of Object.entries(variables(logicalId)!)) {
      environment[name] = name === names.distributions ? '[]' : resolveString(value, resolve, `${logicalId}.Environment.Variables.${name}`);
    }
    return {
      logicalId,
      assetDir: path.resolve(assemblyDir, assetPath),
      handler: String(fn.Properties!.Handler ?? 'index.handler'),
      environment,
      timeoutSeconds: Number(fn.Properties!.Timeout ?? 3),
      memoryMb: Number(fn.Properties!.MemorySize ?? 128),
    };
  };
  const run = specOf(only('run function', (env) => env[names.reportsBucket] !== undefined));
  // The run function also knows the served routes: the item function is the one without the reports.
  const item = specOf(only('item function', (env) => env[names.served] !== undefined && env[names.reportsBucket] === undefined));
  return {
    item,
    run,
    reportsBucket: run.environment[JOBS_ENVIRONMENT_VARIABLES.reportsBucket],
    reportsPrefix: run.environment[JOBS_ENVIRONMENT_VARIABLES.reportsPrefix],
    mirrorBucket: item.environment[ENVIRONMENT_VARIABLES.bucketName],
    keyPrefix: item.environment[ENVIRONMENT_VARIABLES.keyPrefix] ?? '',
  };
}
