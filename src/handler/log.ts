/**
 * The handler's log: one JSON line per request on stdout, which Lambda sends
 * to CloudWatch Logs (queryable with Logs Insights). The handler's own logger
 * (`./metrics-log`) makes the same line a CloudWatch Embedded Metric Format
 * record too.
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

/**
 * Writes `text` and a newline straight to stdout: Lambda's `console.log` would put a timestamp, the request id and
 * a level before it, and CloudWatch extracts metrics only from a line that is JSON from its first character.
 */
export function writeLine(text: string): void {
  process.stdout.write(`${text}\n`);
}

/** Writes `line` as one JSON line on stdout, without metrics. */
export const jsonLogger: Logger = (line) => {
  writeLine(JSON.stringify(line));
};
