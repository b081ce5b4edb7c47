/**
 * The handler's log: one JSON line per request on stdout, which Lambda sends
 * to CloudWatch Logs (queryable with Logs Insights).
 */
import type { RequestResult } from './result';

/** One log line: the request's result, who asked, and how long it took. */
export interface LogLine extends RequestResult {
  readonly requestId?: string;
  readonly method: string;
  /** Milliseconds for the whole request, store included. */
  readonly totalMs: number;
}

/** Where log lines go. */
export type Logger = (line: LogLine) => void;

/** Writes `line` as one JSON line on stdout. */
export const jsonLogger: Logger = (line) => {
  console.log(JSON.stringify(line));
};
