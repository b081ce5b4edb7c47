/**
 * The origin budget's brake function (see `./brake`). Thin on purpose; built once per container.
 */
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import type { Context } from 'aws-lambda';
import { BrakeResult, handleBrakeEvent } from './brake';
import { fromBrakeEnvironment } from './environment';

const deps = { config: fromBrakeEnvironment(process.env), lambda: new LambdaClient({}), scheduler: new SchedulerClient({}) };

/** The Lambda handler (`index.handler` in the bundle). */
export const handler = (event: unknown, context: Context): Promise<BrakeResult> => handleBrakeEvent(event, context, deps);
