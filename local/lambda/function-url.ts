/**
 * A local Lambda function URL: an HTTP server on 127.0.0.1 that turns each
 * request into a function URL event (payload 2.0), runs it on a container
 * of the function's code (a child process per container, one invocation at a
 * time each), and answers as a function URL does: the streamed prelude split
 * into status, headers and cookies, the body streamed under Lambda's limits
 * (6 MB buffered; 200 MB streamed, capped to about 2 MB/s after the first 6 MB),
 * 502 when the function fails before the body, a cut connection after.
 */
import { createHash, randomUUID } from 'node:crypto';
import { EventEmitter, once } from 'node:events';
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { build } from 'esbuild';
import { InvocationFailure, InvocationOutcome, InvocationReport } from './container';
import { functionUrlEvent } from './event';
import { ContainerInfo, ContainerPool } from './pool';
import { decodeHttpIntegrationResponse } from './runtime';
import { StreamLimits } from './stream-limits';
import { MAX_STREAMED_RESPONSE_BYTES } from '../../src/config';

/** Largest buffered response and largest request (Lambda: 6 MB). */
export const MAX_BUFFERED_BYTES = 6 * 1024 * 1024;
/** Bytes of a streamed response sent before the bandwidth cap applies (Lambda: 6 MB). */
export const STREAM_BURST_BYTES = 6 * 1024 * 1024;
/** The bandwidth cap after the burst (Lambda: about 2 MB/s). */
export const STREAM_BYTES_PER_SECOND = 2 * 1024 * 1024;

/** How to run the function behind the URL. */
export interface LocalFunctionUrlOptions {
  /** The function's code directory (the staged asset). */
  readonly codeDir: string;
  /** The `Handler` property. @default 'index.handler' */
  readonly handler?: string;
  /** The function's environment variables (the template's, resolved). */
  readonly environment?: Readonly<Record<string, string>>;
  /** Variables added for the local run only (S3 endpoint, checksum mode …). */
  readonly localEnvironment?: Readonly<Record<string, string>>;
  /** @default 'local-function' */
  readonly functionName?: string;
  /** @default 'nodejs24.x' */
  readonly runtime?: string;
  /** @default 128 */
  readonly memoryMb?: number;
  /** @default 3 */
  readonly timeoutSeconds?: number;
  /** @default 'RESPONSE_STREAM' */
  readonly invokeMode?: 'BUFFERED' | 'RESPONSE_STREAM';
  /** `AWS_IAM` refuses unsigned requests with 403, as the real URL does. @default 'NONE' */
  readonly authType?: string;
  /** @default 'local' */
  readonly urlId?: string;
  /** Most containers at once. @default 4 */
  readonly maxContainers?: number;
  /** Invocations beyond `maxContainers`: wait (`queue`) or 429 (`throttle`). @default 'queue' */
  readonly whenBusy?: 'queue' | 'throttle';
  /** Cap streamed bodies to about 2 MB/s after the first 6 MB, as Lambda does. @default true */
  readonly bandwidthCap?: boolean;
  /** @default 0 (any free port) */
  readonly port?: number;
}

/** One request to the function URL, reported once the invocation and the response are over. */
export interface InvocationRecord {
  readonly requestId: string;
  readonly method: string;
  readonly rawPath: string;
  readonly rawQueryString: string;
  /** The caller's `x-amz-cf-id`, when CloudFront called. */
  readonly cfId?: string;
  /** The status sent, undefined if none was (connection cut). */
  readonly status?: number;
  /** Body bytes sent to the caller. */
  readonly bytes: number;
  /** The caller got a complete response. */
  readonly completed: boolean;
  /** The caller went away before the end. */
  readonly callerAborted: boolean;
  /** Why the invocation failed, if it did (or 'Throttled' etc. without an invocation). */
  readonly error?: InvocationFailure;
  readonly containerId?: number;
  /** Lines the function logged during the invocation. */
  readonly logs: readonly string[];
  readonly startedAt: number;
  readonly durationMs: number;
}

let runtimeClient: Promise<string> | undefined;

/**
 * Bundles the runtime client once per process (esbuild, a few tens of ms) into
 * a file named by its content hash, shared by every process and never stale.
 */
export function bundledRuntimeClient(): Promise<string> {
  runtimeClient ??= (async () => {
    const result = await build({
      entryPoints: [path.join(__dirname, 'runtime-client.ts')],
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      write: false,
      logLevel: 'error',
    });
    const code = result.outputFiles[0].contents;
    const file = path.join(os.tmpdir(), `mirror-local-runtime-${createHash('sha256').update(code).digest('hex').slice(0, 16)}.js`);
    if (!existsSync(file)) {
      // Written whole under another name, then renamed: a concurrent process never loads half a file.
      const partial = `${file}.${process.pid}.tmp`;
      writeFileSync(partial, code);
      renameSync(partial, file);
    }
    return file;
  })();
  return runtimeClient;
}

/** The local function URL. Start with `LocalFunctionUrl.start()`. */
export class LocalFunctionUrl extends EventEmitter {
  /** Starts the server and bundles the runtime client; containers start on demand. */
  static async start(options: LocalFunctionUrlOptions): Promise<LocalFunctionUrl> {
    const entryFile = await bundledRuntimeClient();
    const fn = new LocalFunctionUrl(options, entryFile);
    fn.server.listen(options.port ?? 0, '127.0.0.1');
    await once(fn.server, 'listening');
    return fn;
  }

  /** The pool of containers. */
  public readonly pool: ContainerPool;
  private readonly server: http.Server;
  private readonly bandwidthCap: boolean;

  private constructor(private readonly options: LocalFunctionUrlOptions, entryFile: string) {
    super();
    const region = options.localEnvironment?.AWS_REGION ?? 'us-east-1';
    const functionName = options.functionName ?? 'local-function';
    const runtime = options.runtime ?? 'nodejs24.x';
    const memory = String(options.memoryMb ?? 128);
    const timeoutMs = (options.timeoutSeconds ?? 3) * 1000;
    // A clean environment as in Lambda: the function's variables, then the runtime's, never the parent's.
    const environment: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
      LANG: 'en_US.UTF-8',
      TZ: ':UTC',
      ...options.environment,
      _HANDLER: options.handler ?? 'index.handler',
      LAMBDA_TASK_ROOT: options.codeDir,
      AWS_EXECUTION_ENV: `AWS_Lambda_${runtime}`,
      AWS_LAMBDA_FUNCTION_NAME: functionName,
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: memory,
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${functionName}`,
      AWS_LAMBDA_LOG_STREAM_NAME: 'local',
      AWS_REGION: region,
      AWS_DEFAULT_REGION: region,
      ...options.localEnvironment,
    };
    this.pool = new ContainerPool({
      maxContainers: options.maxContainers ?? 4,
      whenBusy: options.whenBusy ?? 'queue',
      container: {
        entryFile,
        codeDir: options.codeDir,
        environment,
        timeoutMs,
        functionArn: `arn:aws:lambda:${region}:123456789012:function:${functionName}`,
      },
    });
    this.pool.on('log', (entry) => this.emit('log', entry));
    this.bandwidthCap = options.bandwidthCap ?? true;
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((err) => {
        if (!res.headersSent) res.writeHead(500).end(String(err));
        else res.destroy();
      });
    });
    this.server.requestTimeout = 0;
  }

  /** `http://127.0.0.1:<port>`. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The port the server listens on. */
  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** The containers alive now. */
  get containers(): ContainerInfo[] {
    return this.pool.info;
  }

  /** Each live container's peak RSS in bytes (VmHWM). */
  async peakRss(): Promise<{ id: number; pid?: number; peakRssBytes?: number }[]> {
    return Promise.all(this.pool.live.map(async (c) => ({ id: c.id, pid: c.pid, peakRssBytes: await c.peakRssBytes() })));
  }

  /** Stops the containers and the server. */
  async close(): Promise<void> {
    await this.pool.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const startedAt = Date.now();
    const requestId = randomUUID();
    const target = req.url ?? '/';
    const q = target.indexOf('?');
    const base = {
      requestId,
      method: req.method ?? 'GET',
      rawPath: q < 0 ? target : target.slice(0, q),
      rawQueryString: q < 0 ? '' : target.slice(q + 1),
      cfId: req.headers['x-amz-cf-id'] as string | undefined,
      startedAt,
    };
    const closed = new Promise<void>((resolve) => res.once('close', () => resolve()));
    const progress = { bytes: 0, cut: false };
    const report = (extra: { status?: number; error?: InvocationFailure; invocation?: InvocationReport }) => {
      void closed.then(() => this.emit('invocation', {
        ...base,
        status: extra.status,
        bytes: progress.bytes,
        completed: res.writableFinished,
        callerAborted: !res.writableFinished && !progress.cut,
        error: extra.error ?? extra.invocation?.error,
        containerId: extra.invocation?.containerId,
        logs: extra.invocation?.logs ?? [],
        durationMs: Date.now() - startedAt,
      } satisfies InvocationRecord));
    };
    const plain = (status: number, message: string, error?: InvocationFailure) => {
      if (!res.destroyed) {
        res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-requestid': requestId });
        res.end(JSON.stringify({ Message: message }));
      }
      report({ status: res.destroyed ? undefined : status, error });
    };

    if (this.options.authType === 'AWS_IAM' && !/^AWS4-HMAC-SHA256 /.test(String(req.headers.authorization ?? ''))) {
      req.resume();
      return plain(403, 'Forbidden', { errorType: 'AccessDenied', errorMessage: 'the request is not signed (AWS_IAM)' });
    }
    const body = await readBody(req, MAX_BUFFERED_BYTES);
    if (body === 'too-large') return plain(413, `Request must be smaller than ${MAX_BUFFERED_BYTES} bytes for the InvokeFunction operation`);
    const event = functionUrlEvent(req, { urlId: this.options.urlId ?? 'local', authType: this.options.authType ?? 'NONE', requestId, body });

    const abort = new AbortController();
    res.once('close', () => abort.abort());
    let handle;
    try {
      handle = await this.pool.invoke(requestId, event, abort.signal);
    } catch (err) {
      return plain(503, (err as Error).message, { errorType: 'ServiceUnavailable', errorMessage: (err as Error).message });
    }
    if (handle === 'throttled') return plain(429, 'Rate Exceeded.', { errorType: 'TooManyRequestsException', errorMessage: 'Rate Exceeded.' });
    const outcome = await handle.outcome;
    const status = await this.answer(req, res, outcome, requestId, progress);
    void handle.finished.then((invocation) => report({ status, invocation }));
  }

  /** Answers the caller from the function's outcome; resolves with the status sent (undefined: cut before a status). */
  private async answer(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    outcome: InvocationOutcome,
    requestId: string,
    progress: { bytes: number; cut: boolean },
  ): Promise<number | undefined> {
    const sent = (bytes: number) => (progress.bytes += bytes);
    const failed = () => {
      if (!res.headersSent) {
        res.writeHead(502, { 'content-type': 'application/json', 'x-amzn-requestid': requestId }).end('{"Message":"Internal Server Error"}');
        return 502;
      }
      // Failed after the body started: the caller must see a cut, never a clean end.
      progress.cut = true;
      res.destroy();
      return res.statusCode;
    };
    if (outcome.kind === 'error') return failed();
    if (outcome.kind === 'buffered') {
      if (outcome.payload.length > MAX_BUFFERED_BYTES) return failed();
      const answer = bufferedAnswer(outcome.payload);
      const body = req.method === 'HEAD' ? Buffer.alloc(0) : answer.body;
      const headers: http.OutgoingHttpHeaders = { ...answer.headers, 'x-amzn-requestid': requestId, 'content-length': String(answer.body.length) };
      if (answer.cookies.length > 0) headers['set-cookie'] = answer.cookies;
      res.writeHead(answer.statusCode, headers);
      res.end(body);
      sent(body.length);
      return answer.statusCode;
    }

    let decoded;
    try {
      decoded = await decodeHttpIntegrationResponse(outcome.raw, () => outcome.contentType);
    } catch {
      outcome.raw.resume();
      return failed();
    }
    const buffered = this.options.invokeMode === 'BUFFERED';
    const limits = new StreamLimits({
      maxBytes: buffered ? MAX_BUFFERED_BYTES : MAX_STREAMED_RESPONSE_BYTES,
      burstBytes: STREAM_BURST_BYTES,
      bytesPerSecond: this.bandwidthCap && !buffered ? STREAM_BYTES_PER_SECOND : undefined,
    });
    const headers: http.OutgoingHttpHeaders = { ...decoded.headers, 'x-amzn-requestid': requestId };
    for (const name of ['connection', 'keep-alive', 'transfer-encoding']) delete headers[name];
    // A streamed body goes out chunked; its length is only known at the end (HEAD keeps it: no body follows).
    if (req.method !== 'HEAD' && !buffered) delete headers['content-length'];
    if (decoded.cookies.length > 0) headers['set-cookie'] = decoded.cookies;
    const held: Buffer[] = [];
    let started = false;
    const start = () => {
      if (started) return;
      started = true;
      res.writeHead(decoded.statusCode, headers);
    };

    return new Promise((resolve) => {
      const body = decoded.body;
      body.on('error', (err) => limits.destroy(err));
      body.pipe(limits);
      limits.on('data', (chunk: Buffer) => {
        if (buffered) {
          held.push(chunk);
          return;
        }
        start();
        sent(chunk.length);
        if (!res.write(chunk)) {
          limits.pause();
          res.once('drain', () => limits.resume());
        }
      });
      limits.on('end', () => {
        if (outcome.trailerError()) return resolve(failed());
        if (buffered) {
          const all = Buffer.concat(held);
          headers['content-length'] = String(all.length);
          start();
          sent(all.length);
          res.end(all);
        } else {
          start();
          res.end();
        }
        resolve(decoded.statusCode);
      });
      limits.on('error', () => {
        // Over the size limit or the invocation died: the rest of the function's output is refused.
        if (!outcome.raw.complete) outcome.raw.destroy();
        resolve(failed());
      });
      res.on('close', () => {
        if (res.writableFinished) return;
        // The caller went away: the function runs on, its output is read and dropped, as the runtime API does.
        body.unpipe(limits);
        limits.destroy();
        body.resume();
        resolve(started ? decoded.statusCode : undefined);
      });
    });
  }
}

/** What a function URL makes of a buffered result: a response object, or any JSON as a 200 body. */
function bufferedAnswer(payload: Buffer): { statusCode: number; headers: Record<string, string>; cookies: string[]; body: Buffer } {
  let value: any;
  try {
    value = JSON.parse(payload.toString('utf8'));
  } catch {
    value = undefined;
  }
  if (value && typeof value === 'object' && !Array.isArray(value) && typeof value.statusCode === 'number') {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    for (const [name, v] of Object.entries<unknown>(value.headers ?? {})) headers[name.toLowerCase()] = String(v);
    let body: Buffer;
    if (value.body === undefined || value.body === null) body = Buffer.alloc(0);
    else if (typeof value.body === 'string') body = Buffer.from(value.body, value.isBase64Encoded ? 'base64' : 'utf8');
    else body = Buffer.from(JSON.stringify(value.body));
    return { statusCode: value.statusCode, headers, cookies: Array.isArray(value.cookies) ? value.cookies.map(String) : [], body };
  }
  return { statusCode: 200, headers: { 'content-type': 'application/json' }, cookies: [], body: payload };
}

/** The request body, or `too-large` past `limit` bytes. */
function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer | 'too-large'> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > limit ? 'too-large' : Buffer.concat(chunks)));
    req.on('error', () => resolve(Buffer.concat(chunks)));
  });
}
