/** Invokes a streaming handler like a function URL and collects everything a test looks at. */
import { InvocationError, invokeInProcess, makeContext, StreamingHandler, UNHANDLED_REJECTION } from '../../local/lambda/runtime';
import { FunctionUrlRequest, functionUrlEvent } from '../support/function-url-event';

/** What the viewer and the runtime saw. */
export interface Invocation {
  readonly status: number;
  readonly headers: Record<string, string>;
  /** The body bytes that arrived. */
  readonly body: Buffer;
  /** Set when the body broke instead of ending (an aborted response). */
  readonly bodyError?: Error;
  /** The runtime's error trailers, when the invocation failed. */
  readonly invocationError?: InvocationError;
}

/**
 * Invokes `handler` with a function URL event for `request` and reads the whole answer. `timeoutMs` is the time
 * the invocation has left when it starts (Lambda's `getRemainingTimeInMillis`), 300 s unless given.
 */
export async function invoke(
  handler: StreamingHandler,
  request: FunctionUrlRequest,
  options: { readonly timeoutMs?: number } = {},
): Promise<Invocation> {
  const response = await invokeInProcess(handler, functionUrlEvent(request), makeContext(request.requestId ?? 'req-1', options.timeoutMs));
  const chunks: Buffer[] = [];
  let bodyError: Error | undefined;
  try {
    for await (const chunk of response.body) chunks.push(chunk);
  } catch (err) {
    bodyError = err as Error;
  }
  const invocationError = await response.done;
  if (invocationError?.errorType === UNHANDLED_REJECTION) {
    throw new Error(`${invocationError.errorMessage}: on Lambda the runtime exits the process (unhandled rejection)`);
  }
  return { status: response.statusCode, headers: response.headers, body: Buffer.concat(chunks), bodyError, invocationError };
}

/** Collects the JSON log lines the handler writes to stdout (anything else written there goes through). */
export function captureLogs(): { readonly lines: Array<Record<string, unknown>>; last(): Record<string, unknown> | undefined; restore(): void } {
  const lines: Array<Record<string, unknown>> = [];
  const write = process.stdout.write.bind(process.stdout);
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array, ...rest: any[]) => {
    const text = String(chunk);
    if (!text.startsWith('{')) return write(chunk, ...rest);
    for (const line of text.split('\n')) if (line !== '') lines.push(JSON.parse(line));
    return true;
  });
  return { lines, last: () => lines[lines.length - 1], restore: () => spy.mockRestore() };
}
