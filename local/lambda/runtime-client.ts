/**
 * The entry point of one local Lambda "container" (a child process): the
 * runtime client loop of the Lambda Node.js runtime, talking to the Runtime
 * API the parent serves at AWS_LAMBDA_RUNTIME_API. It loads the handler once
 * (init), then takes one invocation at a time: `GET next`, run the handler,
 * `POST response` (streamed, with the error trailers on failure, or buffered)
 * or `POST error`.
 *
 * Bundled with esbuild when the local function URL starts; not imported by the parent.
 */
import * as http from 'node:http';
import { Writable } from 'node:stream';
import { INVOCATION_END_MARKER, RUNTIME_API_BASE as BASE } from './protocol';
import {
  isStreamingHandler,
  loadHandler,
  makeContext,
  ResponseStream,
  runStreamingInvocation,
  StreamingHandler,
  TRAILER_NAME_ERROR_BODY,
  TRAILER_NAME_ERROR_TYPE,
} from './runtime';

const [apiHost, apiPort] = (process.env.AWS_LAMBDA_RUNTIME_API ?? '').split(':');
const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });

interface Next {
  readonly requestId: string;
  readonly deadlineMs: number;
  readonly traceId?: string;
  readonly event: unknown;
}

function request(
  method: string,
  path: string,
  headers: http.OutgoingHttpHeaders = {},
  body?: string,
): Promise<{ res: http.IncomingMessage; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: apiHost, port: Number(apiPort), method, path, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ res, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function next(): Promise<Next> {
  const { res, body } = await request('GET', `${BASE}/invocation/next`);
  return {
    requestId: String(res.headers['lambda-runtime-aws-request-id']),
    deadlineMs: Number(res.headers['lambda-runtime-deadline-ms']),
    traceId: res.headers['lambda-runtime-trace-id'] as string | undefined,
    event: JSON.parse(body.toString('utf8')),
  };
}

function errorPayload(err: unknown): { errorType: string; errorMessage: string; stackTrace: string[] } {
  const error = err instanceof Error ? err : new Error(String(err));
  return { errorType: error.name || 'Error', errorMessage: error.message, stackTrace: (error.stack ?? '').split('\n').slice(1).map((l) => l.trim()) };
}

/**
 * The sink of a streamed response: the `POST …/response` request, opened on
 * the first byte (its content type is only final then), ended with the error
 * trailers if the invocation failed.
 */
class RuntimeResponseSink extends Writable {
  public stream?: ResponseStream;
  private req?: http.ClientRequest;
  private acknowledged?: Promise<void>;

  constructor(private readonly requestId: string) {
    super();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    const req = this.open();
    if (req.write(chunk)) callback();
    else req.once('drain', () => callback());
  }

  override _final(callback: (error?: Error | null) => void): void {
    const req = this.open();
    const error = this.stream?.error;
    if (error) {
      req.addTrailers({
        [TRAILER_NAME_ERROR_TYPE]: error.errorType,
        [TRAILER_NAME_ERROR_BODY]: Buffer.from(JSON.stringify(error)).toString('base64'),
      });
    }
    req.end();
    this.acknowledged!.then(() => callback(), (err) => callback(err));
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (this.req && !this.req.destroyed) this.req.destroy(error ?? undefined);
    callback(error);
  }

  private open(): http.ClientRequest {
    if (this.req) return this.req;
    const req = http.request({
      host: apiHost,
      port: Number(apiPort),
      method: 'POST',
      path: `${BASE}/invocation/${this.requestId}/response`,
      agent,
      headers: {
        'Lambda-Runtime-Function-Response-Mode': 'streaming',
        'Transfer-Encoding': 'chunked',
        'Trailer': `${TRAILER_NAME_ERROR_TYPE}, ${TRAILER_NAME_ERROR_BODY}`,
        'Content-Type': this.stream?.contentType ?? 'application/octet-stream',
      },
    });
    this.acknowledged = new Promise((resolve, reject) => {
      req.on('response', (res) => {
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', reject);
    });
    // A failure is reported through `acknowledged` or the stream; never crash the container on it.
    this.acknowledged.catch((err) => this.destroy(err));
    this.req = req;
    return req;
  }
}

async function streamInvocation(handler: StreamingHandler, invocation: Next, context: unknown): Promise<void> {
  const sink = new RuntimeResponseSink(invocation.requestId);
  const stream = new ResponseStream(sink, (handler as any)[Symbol.for('aws.lambda.runtime.handler.streaming.highWaterMark')]);
  sink.stream = stream;
  // The parent may cut the response (size limit); the handler sees write errors, the container lives on.
  stream.on('error', () => undefined);
  await runStreamingInvocation(handler, invocation.event, stream, context);
  if (stream.crash) {
    // What the runtime does on the unhandled rejection a destroyed response stream causes.
    process.stderr.write(`Unhandled Promise Rejection: ${stream.crash.message}\n`);
    process.exit(128);
  }
}

async function bufferedInvocation(handler: StreamingHandler, invocation: Next, context: unknown): Promise<void> {
  let result: unknown;
  try {
    result = await (handler as unknown as (event: unknown, context: unknown) => unknown)(invocation.event, context);
  } catch (err) {
    const payload = errorPayload(err);
    await request('POST', `${BASE}/invocation/${invocation.requestId}/error`, {
      'Lambda-Runtime-Function-Error-Type': payload.errorType,
      'Content-Type': 'application/json',
    }, JSON.stringify(payload));
    return;
  }
  await request('POST', `${BASE}/invocation/${invocation.requestId}/response`, { 'Content-Type': 'application/json' }, JSON.stringify(result ?? null));
}

async function main(): Promise<void> {
  let handler: StreamingHandler;
  try {
    handler = loadHandler(process.env.LAMBDA_TASK_ROOT ?? process.cwd(), process.env._HANDLER ?? 'index.handler');
  } catch (err) {
    const payload = { ...errorPayload(err), errorType: 'Runtime.ImportModuleError' };
    await request('POST', `${BASE}/init/error`, { 'Lambda-Runtime-Function-Error-Type': payload.errorType }, JSON.stringify(payload));
    process.exit(129);
  }
  const memory = process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE ?? '128';
  for (;;) {
    const invocation = await next();
    if (invocation.traceId) process.env._X_AMZN_TRACE_ID = invocation.traceId;
    const context = {
      ...makeContext(invocation.requestId, invocation.deadlineMs - Date.now()),
      functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
      memoryLimitInMB: memory,
      invokedFunctionArn: `arn:aws:lambda:${process.env.AWS_REGION}:123456789012:function:${process.env.AWS_LAMBDA_FUNCTION_NAME}`,
      getRemainingTimeInMillis: () => Math.max(0, invocation.deadlineMs - Date.now()),
    };
    try {
      if (isStreamingHandler(handler)) await streamInvocation(handler, invocation, context);
      else await bufferedInvocation(handler, invocation, context);
    } catch (err) {
      // The runtime API refused the response (e.g. the parent cut it): the invocation is over either way.
      process.stderr.write(`runtime: ${(err as Error).message}\n`);
    }
    // Log writes to a pipe are synchronous on Linux: everything before this line belongs to the invocation.
    process.stdout.write(`\n${INVOCATION_END_MARKER} ${invocation.requestId}\n`);
  }
}

main().catch((err) => {
  process.stderr.write(`runtime: ${(err as Error).stack}\n`);
  process.exit(1);
});

// Ctrl-C reaches the whole process group: the parent, not the terminal, stops its containers (as Lambda would).
process.on('SIGINT', () => undefined);

// The parent asks for the peak RSS where /proc is not available.
process.on('message', (message: { type?: string }) => {
  if (message?.type === 'rss') process.send?.({ type: 'rss', peakRssBytes: process.resourceUsage().maxRSS * 1024 });
});
