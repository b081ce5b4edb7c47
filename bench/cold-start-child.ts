/**
 * One cold start, for bench/cold-start.ts (which bundles this file, so the
 * process holds no TypeScript compiler): installs the `awslambda` global as
 * the runtime does, loads the handler bundle `argv[2]`, and sends how long
 * the load took and the process's age when it was done.
 */
import { loadHandler } from '../local/lambda/runtime';

/** What the child reports. */
export interface ColdStartReport {
  /** Milliseconds spent in `require()` of the bundle (module evaluation and the handler's init code). */
  readonly loadMs: number;
  /** Milliseconds from the process's start to the handler being ready. */
  readonly readyMs: number;
  /** CPU milliseconds (user + system) the `require()` took: the work done, whatever else the machine was running. */
  readonly loadCpuMs: number;
}

const started = performance.now();
const cpu = process.cpuUsage();
loadHandler(process.argv[2]);
const used = process.cpuUsage(cpu);
const report: ColdStartReport = { loadMs: performance.now() - started, readyMs: performance.now(), loadCpuMs: (used.user + used.system) / 1000 };
process.send!(report);
