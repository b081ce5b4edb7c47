/**
 * A stand-in for the parts of the Lambda Node.js runtime a streaming function
 * URL handler touches, modelled on aws-lambda-nodejs-runtime-interface-client:
 *
 * - the `awslambda` global (`streamifyResponse`, `HttpResponseStream.from`);
 * - the response stream: `HttpResponseStream.from` sets the content type
 *   `application/vnd.awslambda.http-integration-response` and, on the first
 *   `write()` only (not on `end(chunk)`), writes the JSON prelude
 *   `{statusCode, headers, cookies}` and 8 NUL bytes before the body;
 * - the invoke: a streaming handler must return a promise; when it rejects,
 *   or resolves before the stream finished, the runtime records the error as
 *   the `Lambda-Runtime-Function-Error-Type/-Body` trailers and ends the stream;
 * - a handler that destroys the stream with an error: the runtime's stream is an
 *   HTTP request whose 'error' rejects a promise it never awaits, and its
 *   unhandled-rejection handler exits the process (`crash`, `UNHANDLED_REJECTION`).
 *
 * Used by the handler tests in-process and by the local stack in each
 * "container" process.
 */
import { once } from 'node:events';
import * as path from 'node:path';
import { PassThrough, Readable, Writable } from 'node:stream';

export const METADATA_PRELUDE_CONTENT_TYPE = 'application/vnd.awslambda.http-integration-response';
export const DEFAULT_CONTENT_TYPE = 'application/octet-stream';
export const DELIMITER_LEN = 8;
export const TRAILER_NAME_ERROR_TYPE = 'Lambda-Runtime-Function-Error-Type';
export const TRAILER_NAME_ERROR_BODY = 'Lambda-Runtime-Function-Error-Body';

const HANDLER_STREAMING = Symbol.for('aws.lambda.runtime.handler.streaming');
const HANDLER_HIGHWATERMARK = Symbol.for('aws.lambda.runtime.handler.streaming.highWaterMark');
const STREAM_RESPONSE = 'response';

/** The error type of a process the runtime ended on an unhandled rejection (exit code 128). */
export const UNHANDLED_REJECTION = 'Runtime.UnhandledPromiseRejection';

/** The error the runtime reports when an invocation fails. */
export interface InvocationError {
  readonly errorType: string;
  readonly errorMessage: string;
}

/**
 * The response stream a streaming handler writes to. Bytes go to `sink`
 * (an in-memory pipe in tests, the HTTP response to the runtime API locally).
 */
export class ResponseStream extends Writable {
  /** Content type of the raw stream: `application/octet-stream` unless `HttpResponseStream.from` set it. */
  public contentType = DEFAULT_CONTENT_TYPE;
  /** Set by `HttpResponseStream.from`; called on the first `write()` only, as the runtime does. */
  public _onBeforeFirstWrite?: (write: (chunk: string | Uint8Array) => void) => void;
  /** The error trailers, once the runtime failed the invocation. */
  public error?: InvocationError;
  /**
   * Set when the handler destroyed the stream with an error. The runtime's stream is an HTTP request whose
   * 'error' rejects a promise nothing awaits, and the runtime exits the process on an unhandled rejection.
   */
  public crash?: Error;
  private status: 'ready' | 'write_called' = 'ready';
  private cutBySink = false;

  constructor(private readonly sink: Writable, highWaterMark?: number) {
    super({ highWaterMark });
    sink.on('error', (err) => {
      this.cutBySink = true;
      this.destroy(err);
    });
  }

  /** @internal mirrors the runtime's setContentType */
  setContentType(contentType: string): void {
    if (this.status !== 'ready') throw new Error('Cannot set content-type, too late.');
    this.contentType = contentType;
  }

  // Only write() triggers the prelude: end(chunk) goes straight to _write, as on the real runtime.
  override write(chunk: any, encoding?: any, callback?: any): boolean {
    let data = chunk;
    if (typeof chunk !== 'string' && !Buffer.isBuffer(chunk) && !(chunk instanceof Uint8Array)) {
      data = JSON.stringify(chunk);
    }
    if (this.status === 'ready' && typeof this._onBeforeFirstWrite === 'function') {
      this._onBeforeFirstWrite((piece) => super.write(piece));
    }
    this.status = 'write_called';
    return super.write(data, encoding, callback);
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.sink.write(chunk)) callback();
    else this.sink.once('drain', () => callback());
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.sink.end(() => callback());
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (error && !this.cutBySink) this.crash ??= error;
    // After a normal end (autoDestroy runs once 'finish' is out) the sink must be left to drain: destroying it
    // would drop the end of a body its reader has not taken yet, and that reader would wait forever.
    if ((error || !this.writableFinished) && !this.sink.destroyed) this.sink.destroy(error ?? undefined);
    callback(error);
  }

  /** What the runtime does when the invocation fails: error trailers, then end. */
  fail(err: unknown): Promise<void> {
    // Error-like, not instanceof: under Jest, errors Node.js itself throws come from another realm.
    const isErrorLike = typeof err === 'object' && err !== null && typeof (err as Error).message === 'string';
    const error = isErrorLike ? (err as Error) : new Error(String(err));
    this.error = { errorType: error.name || 'Error', errorMessage: error.message };
    if (this.writableEnded || this.destroyed) return Promise.resolve();
    return new Promise((resolve) => this.end(() => resolve()));
  }
}

/** The `awslambda.HttpResponseStream` of the runtime. */
export class HttpResponseStream {
  static from(underlyingStream: ResponseStream, prelude: Record<string, unknown>): ResponseStream {
    underlyingStream.setContentType(METADATA_PRELUDE_CONTENT_TYPE);
    const metadataPrelude = JSON.stringify(prelude);
    underlyingStream._onBeforeFirstWrite = (write) => {
      write(metadataPrelude);
      write(new Uint8Array(DELIMITER_LEN));
    };
    return underlyingStream;
  }
}

/** Installs the `awslambda` global, as the runtime does before loading the handler module. */
export function installAwsLambdaGlobals(): void {
  (globalThis as any).awslambda = {
    ...(globalThis as any).awslambda,
    streamifyResponse: (handler: any, options?: { highWaterMark?: number }) => {
      handler[HANDLER_STREAMING] = STREAM_RESPONSE;
      if (typeof options?.highWaterMark === 'number') handler[HANDLER_HIGHWATERMARK] = options.highWaterMark;
      return handler;
    },
    HttpResponseStream,
  };
}

export type StreamingHandler = ((event: unknown, responseStream: ResponseStream, context: unknown) => Promise<unknown>) & {
  [HANDLER_STREAMING]?: string;
  [HANDLER_HIGHWATERMARK]?: number;
};

/**
 * Loads a handler as the runtime does: `handler` is `file.export` relative to
 * `codeDir` (the function's `Handler` property, e.g. `index.handler`). The
 * `awslambda` global is installed first. The module is loaded fresh.
 */
export function loadHandler(codeDir: string, handler = 'index.handler'): StreamingHandler {
  installAwsLambdaGlobals();
  const dot = handler.lastIndexOf('.');
  const file = path.resolve(codeDir, handler.slice(0, dot));
  const resolved = require.resolve(file);
  delete require.cache[resolved];
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const fn = require(resolved)[handler.slice(dot + 1)];
  if (typeof fn !== 'function') throw new Error(`${handler} is not a function in ${codeDir}`);
  return fn;
}

/** Whether `awslambda.streamifyResponse` marked `handler` as streaming. */
export function isStreamingHandler(handler: StreamingHandler): boolean {
  return handler[HANDLER_STREAMING] === STREAM_RESPONSE;
}

/** A minimal Lambda context object. */
export function makeContext(requestId: string, timeoutMs = 300_000): Record<string, unknown> {
  const deadline = Date.now() + timeoutMs;
  return {
    awsRequestId: requestId,
    functionName: 'mirror',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:mirror',
    memoryLimitInMB: '1024',
    logGroupName: '/aws/lambda/mirror',
    logStreamName: 'local',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
}

/**
 * Runs one streaming invocation the way the runtime's streaming invoke
 * processor does. Resolves when the invocation is over; a failure is recorded
 * on `responseStream.error`, never thrown.
 */
export async function runStreamingInvocation(
  handler: StreamingHandler,
  event: unknown,
  responseStream: ResponseStream,
  context: unknown = makeContext('local'),
): Promise<void> {
  try {
    if (!isStreamingHandler(handler)) throw new Error('Handler is not wrapped with awslambda.streamifyResponse');
    const result = handler(event, responseStream, context);
    if (!result || typeof (result as Promise<unknown>).then !== 'function') {
      throw new Error('Streaming does not support non-async handlers.');
    }
    await result;
    if (!responseStream.writableFinished) {
      // The runtime waits for the platform to acknowledge the stream, by which time a well-behaved end() has finished.
      if (responseStream.writableEnded && !responseStream.destroyed) await once(responseStream, 'finish');
      if (!responseStream.writableFinished) throw new Error('Response stream is not finished.');
    }
  } catch (err) {
    await new Promise((resolve) => setImmediate(resolve));
    await responseStream.fail(err);
  }
  if (responseStream.crash) {
    responseStream.error = { errorType: UNHANDLED_REJECTION, errorMessage: `the handler destroyed its response stream: ${responseStream.crash.message}` };
  }
}

/** What a function URL makes of a streamed invocation: the prelude and a body stream. */
export interface DecodedResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly cookies: string[];
  readonly body: Readable;
}

/**
 * Splits the raw response stream into the prelude and the body, as a function
 * URL does for `application/vnd.awslambda.http-integration-response`. Without
 * that content type the whole stream is the body of a 200.
 * Resolves once the prelude is known (or the stream ended).
 */
export function decodeHttpIntegrationResponse(raw: Readable, contentType: () => string): Promise<DecodedResponse> {
  return new Promise((resolve, reject) => {
    let buffered = Buffer.alloc(0);
    const plain = () => {
      raw.off('data', onData).off('end', onEnd).off('error', reject);
      raw.pause();
      const body = new PassThrough();
      if (buffered.length > 0) body.write(buffered);
      raw.on('error', (err) => body.destroy(err));
      raw.pipe(body);
      if (raw.readableEnded) body.end();
      resolve({ statusCode: 200, headers: { 'content-type': contentType() }, cookies: [], body });
    };
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      // The content type is fixed once the first byte is out.
      if (contentType() !== METADATA_PRELUDE_CONTENT_TYPE) return plain();
      const at = findDelimiter(buffered);
      if (at < 0) return;
      raw.off('data', onData).off('end', onEnd).off('error', reject);
      raw.pause();
      let prelude: { statusCode?: number; headers?: Record<string, string>; cookies?: string[] };
      try {
        prelude = JSON.parse(buffered.subarray(0, at).toString('utf8'));
      } catch (err) {
        reject(new Error(`Invalid response prelude: ${(err as Error).message}`));
        return;
      }
      const body = new PassThrough();
      const rest = buffered.subarray(at + DELIMITER_LEN);
      if (rest.length > 0) body.write(rest);
      raw.on('error', (err) => body.destroy(err));
      raw.pipe(body);
      resolve({
        statusCode: prelude.statusCode ?? 200,
        headers: lowerCaseKeys(prelude.headers ?? {}),
        cookies: prelude.cookies ?? [],
        body,
      });
    };
    const onEnd = () => {
      // Without a complete prelude (e.g. HttpResponseStream.from but only end() was called), the bytes are the body of a 200.
      resolve({ statusCode: 200, headers: { 'content-type': contentType() }, cookies: [], body: Readable.from(buffered.length > 0 ? [buffered] : []) });
    };
    raw.on('data', onData).on('end', onEnd).on('error', reject);
  });
}

function findDelimiter(buffer: Buffer): number {
  let run = 0;
  for (let i = 0; i < buffer.length; i++) {
    run = buffer[i] === 0 ? run + 1 : 0;
    if (run === DELIMITER_LEN) return i - DELIMITER_LEN + 1;
  }
  return -1;
}

function lowerCaseKeys(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) out[name.toLowerCase()] = String(value);
  return out;
}

/**
 * Invokes `handler` in this process and returns what a function URL would
 * answer, plus `done`: resolves when the invocation is over, with the error
 * trailers if it failed (a failed stream's body ends in an error for the viewer).
 */
export async function invokeInProcess(
  handler: StreamingHandler,
  event: unknown,
  context?: unknown,
): Promise<DecodedResponse & { readonly done: Promise<InvocationError | undefined> }> {
  const sink = new PassThrough();
  const responseStream = new ResponseStream(sink, handler[HANDLER_HIGHWATERMARK]);
  // Listen before the handler runs, as a function URL does: a handler that writes then fails at once still shows its prelude.
  const decoding = decodeHttpIntegrationResponse(sink, () => responseStream.contentType);
  const done = runStreamingInvocation(handler, event, responseStream, context).then(() => responseStream.error);
  const decoded = await decoding;
  const body = new PassThrough();
  decoded.body.on('error', (err) => body.destroy(err));
  decoded.body.pipe(body, { end: false });
  void done.then((error) => {
    const finish = () => (error ? body.destroy(new Error(`invocation failed: ${error.errorType}: ${error.errorMessage}`)) : body.end());
    if (decoded.body.readableEnded) finish();
    else decoded.body.once('end', finish);
  });
  return { ...decoded, body, done };
}
