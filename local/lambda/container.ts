/**
 * One local Lambda "container": a child Node.js process running the runtime
 * client loop (`runtime-client.ts`) against a Runtime API this class serves on
 * 127.0.0.1 (`next`, `response` streamed or buffered, `error`, `init/error`).
 * One invocation at a time; the function's timeout kills the process, as Lambda
 * does, and the container is replaced on the next invocation.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { EventEmitter, once } from 'node:events';
import { promises as fs } from 'node:fs';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { INVOCATION_END_MARKER, RUNTIME_API_BASE } from './protocol';

/** How an invocation failed, as the runtime reports it. */
export interface InvocationFailure {
  readonly errorType: string;
  readonly errorMessage: string;
}

/** What the function answered, as soon as it is known. */
export type InvocationOutcome =
  /** A streamed response: `raw` is the body of `POST …/response` (prelude + body); `trailerError()` is valid after its end. */
  | { readonly kind: 'streaming'; readonly contentType: string; readonly raw: http.IncomingMessage; readonly trailerError: () => InvocationFailure | undefined }
  /** A buffered response: the JSON the handler returned. */
  | { readonly kind: 'buffered'; readonly payload: Buffer }
  /** The invocation failed before answering (error, crash, timeout, init failure). */
  | { readonly kind: 'error'; readonly error: InvocationFailure };

/** The end of an invocation: when the container is free again. */
export interface InvocationReport {
  readonly requestId: string;
  readonly containerId: number;
  readonly error?: InvocationFailure;
  /** Lines the function wrote to stdout/stderr during the invocation. */
  readonly logs: readonly string[];
  readonly durationMs: number;
}

/** A running invocation. */
export interface InvocationHandle {
  readonly outcome: Promise<InvocationOutcome>;
  readonly finished: Promise<InvocationReport>;
}

/** How to start a container. */
export interface ContainerOptions {
  readonly id: number;
  /** The bundled runtime client. */
  readonly entryFile: string;
  /** The function's code directory (the staged asset); the process's working directory, as /var/task. */
  readonly codeDir: string;
  /** The child's whole environment, except AWS_LAMBDA_RUNTIME_API (added here). */
  readonly environment: Readonly<Record<string, string>>;
  /** The function's timeout. */
  readonly timeoutMs: number;
  /** The function's ARN (Lambda-Runtime-Invoked-Function-Arn). */
  readonly functionArn: string;
}

interface Current {
  readonly requestId: string;
  readonly started: number;
  readonly logs: string[];
  readonly timer: NodeJS.Timeout;
  resolveOutcome: (outcome: InvocationOutcome) => void;
  resolveFinished: (report: InvocationReport) => void;
  outcomeSettled: boolean;
  markerSeen: boolean;
  nextSeen: boolean;
  error?: InvocationFailure;
  stream?: http.IncomingMessage;
}

/** One container: `start()`, then `invoke()` whenever `state` is `idle`. */
export class Container extends EventEmitter {
  /** `starting` until the runtime asks for its first invocation. */
  public state: 'starting' | 'idle' | 'busy' | 'dead' = 'starting';
  /** Invocations run so far. */
  public invocations = 0;
  private readonly server: http.Server;
  private child?: ChildProcess;
  private pendingNext?: http.ServerResponse;
  private current?: Current;
  private initError?: InvocationFailure;
  private exitReason?: InvocationFailure;
  private stdoutRest = '';
  private stderrRest = '';
  private readyPromise?: Promise<void>;

  constructor(private readonly options: ContainerOptions) {
    super();
    this.server = http.createServer((req, res) => this.route(req, res));
    // The runtime long-polls `next` and streams responses for as long as the function runs.
    this.server.requestTimeout = 0;
    this.server.keepAliveTimeout = 0;
  }

  /** The container's ID (1, 2, …). */
  get id(): number {
    return this.options.id;
  }

  /** The child's process ID. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts the process; resolves when the handler is loaded and the runtime waits for work. */
  start(): Promise<void> {
    this.readyPromise ??= this.doStart();
    return this.readyPromise;
  }

  /** Hands `event` to the runtime. Only call when `state` is `idle`. */
  invoke(requestId: string, event: unknown): InvocationHandle {
    if (this.state !== 'idle' || !this.pendingNext) throw new Error(`container ${this.id} is ${this.state}, not idle`);
    this.state = 'busy';
    this.invocations++;
    let resolveOutcome!: (outcome: InvocationOutcome) => void;
    let resolveFinished!: (report: InvocationReport) => void;
    const outcome = new Promise<InvocationOutcome>((resolve) => (resolveOutcome = resolve));
    const finished = new Promise<InvocationReport>((resolve) => (resolveFinished = resolve));
    const timeoutS = Math.round(this.options.timeoutMs / 1000);
    const current: Current = {
      requestId,
      started: Date.now(),
      logs: [],
      timer: setTimeout(() => this.terminate({ errorType: 'Sandbox.Timedout', errorMessage: `Task timed out after ${timeoutS}.00 seconds` }), this.options.timeoutMs),
      resolveOutcome,
      resolveFinished,
      outcomeSettled: false,
      markerSeen: false,
      nextSeen: false,
    };
    this.current = current;
    const res = this.pendingNext;
    this.pendingNext = undefined;
    res.writeHead(200, {
      'Content-Type': 'application/json',
      'Lambda-Runtime-Aws-Request-Id': requestId,
      'Lambda-Runtime-Deadline-Ms': String(current.started + this.options.timeoutMs),
      'Lambda-Runtime-Invoked-Function-Arn': this.options.functionArn,
      'Lambda-Runtime-Trace-Id': `Root=1-${Math.floor(current.started / 1000).toString(16)}-${requestId.replace(/-/g, '').slice(0, 24)};Sampled=0`,
    });
    res.end(JSON.stringify(event));
    return { outcome, finished };
  }

  /** The process's peak resident set size so far (VmHWM), in bytes. */
  async peakRssBytes(): Promise<number | undefined> {
    const pid = this.child?.pid;
    if (pid === undefined || this.state === 'dead') return undefined;
    try {
      const status = await fs.readFile(`/proc/${pid}/status`, 'utf8');
      const kb = /^VmHWM:\s+(\d+) kB$/m.exec(status);
      if (kb) return Number(kb[1]) * 1024;
    } catch {
      // Not Linux: ask the process itself.
    }
    if (!this.child?.connected) return undefined;
    const child = this.child;
    const answer = new Promise<number | undefined>((resolve) => {
      const onMessage = (message: { type?: string; peakRssBytes?: number }) => {
        if (message?.type !== 'rss') return;
        child.off('message', onMessage);
        resolve(message.peakRssBytes);
      };
      child.on('message', onMessage);
      child.once('exit', () => resolve(undefined));
    });
    child.send({ type: 'rss' });
    return answer;
  }

  /** Kills the process (an invocation in flight fails) and closes the Runtime API. */
  async stop(): Promise<void> {
    this.terminate({ errorType: 'Runtime.ExitError', errorMessage: 'the local stack is shutting down' });
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) await once(this.child, 'exit');
    this.server.closeAllConnections();
    if (this.server.listening) await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async doStart(): Promise<void> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    const { port } = this.server.address() as AddressInfo;
    const nodeArguments = lambdaNodeArguments(this.options.environment.AWS_LAMBDA_FUNCTION_MEMORY_SIZE);
    const child = spawn(process.execPath, [...nodeArguments, this.options.entryFile], {
      cwd: this.options.codeDir,
      env: { ...this.options.environment, AWS_LAMBDA_RUNTIME_API: `127.0.0.1:${port}` },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    this.child = child;
    child.stdout!.setEncoding('utf8').on('data', (text: string) => this.onOutput(text, 'stdout'));
    child.stderr!.setEncoding('utf8').on('data', (text: string) => this.onOutput(text, 'stderr'));
    child.on('exit', (code, signal) => this.onExit(code, signal));
    const initTimer = setTimeout(() => this.terminate({ errorType: 'Sandbox.Timedout', errorMessage: `Init timed out after ${INIT_TIMEOUT_MS / 1000}.00 seconds` }), INIT_TIMEOUT_MS);
    await new Promise<void>((resolve, reject) => {
      const onReady = () => {
        clearTimeout(initTimer);
        this.off('dead', onDead);
        resolve();
      };
      const onDead = (why: InvocationFailure) => {
        clearTimeout(initTimer);
        this.off('ready', onReady);
        reject(Object.assign(new Error(`${why.errorType}: ${why.errorMessage}`), { failure: why }));
      };
      this.once('ready', onReady);
      this.once('dead', onDead);
    });
  }

  private route(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = req.url ?? '';
    const invocation = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/.exec(url);
    if (req.method === 'GET' && url === `${RUNTIME_API_BASE}/invocation/next`) {
      this.pendingNext = res;
      if (this.state === 'starting') {
        this.state = 'idle';
        this.emit('ready');
        this.emit('idle');
      } else if (this.current) {
        this.current.nextSeen = true;
        this.finishIfDone();
      }
    } else if (req.method === 'POST' && url === `${RUNTIME_API_BASE}/init/error`) {
      void readAll(req).then((body) => {
        this.initError = parseFailure(body, req.headers['lambda-runtime-function-error-type']);
        res.writeHead(202).end('{"status":"OK"}');
      });
    } else if (req.method === 'POST' && invocation && invocation[1] === this.current?.requestId && !this.current.outcomeSettled) {
      const current = this.current;
      current.outcomeSettled = true;
      if (invocation[2] === 'error') {
        void readAll(req).then((body) => {
          current.error = parseFailure(body, req.headers['lambda-runtime-function-error-type']);
          res.writeHead(202).end('{"status":"OK"}');
          current.resolveOutcome({ kind: 'error', error: current.error });
        });
      } else if (String(req.headers['lambda-runtime-function-response-mode']).toLowerCase() === 'streaming') {
        current.stream = req;
        // Readers get the error through their own listeners; an unheard one must not crash the stack.
        req.on('error', () => undefined);
        const trailerError = (): InvocationFailure | undefined => {
          const type = req.trailers[TRAILER_ERROR_TYPE];
          if (type === undefined) return undefined;
          return parseFailure(Buffer.from(req.trailers[TRAILER_ERROR_BODY] ?? '', 'base64'), type);
        };
        req.on('end', () => {
          current.error ??= trailerError();
          res.writeHead(202).end('{"status":"OK"}');
        });
        req.on('close', () => {
          if (!req.complete) current.error ??= { errorType: STREAM_ABORTED, errorMessage: 'the response stream was cut' };
        });
        current.resolveOutcome({ kind: 'streaming', contentType: String(req.headers['content-type'] ?? 'application/octet-stream'), raw: req, trailerError });
      } else {
        void readAll(req).then((payload) => {
          res.writeHead(202).end('{"status":"OK"}');
          current.resolveOutcome({ kind: 'buffered', payload });
        });
      }
    } else {
      req.resume();
      res.writeHead(400, { 'Content-Type': 'application/json' }).end(JSON.stringify({ errorType: 'InvalidRequestID', errorMessage: `unexpected ${req.method} ${url}` }));
    }
  }

  private onOutput(text: string, from: 'stdout' | 'stderr'): void {
    const rest = (from === 'stdout' ? this.stdoutRest : this.stderrRest) + text;
    const lines = rest.split('\n');
    const last = lines.pop() ?? '';
    if (from === 'stdout') this.stdoutRest = last;
    else this.stderrRest = last;
    for (const line of lines) {
      if (line.startsWith(INVOCATION_END_MARKER)) {
        if (this.current && line.slice(INVOCATION_END_MARKER.length + 1) === this.current.requestId) {
          this.current.markerSeen = true;
          this.finishIfDone();
        }
        continue;
      }
      if (line === '') continue;
      this.current?.logs.push(line);
      this.emit('log', { containerId: this.id, requestId: this.current?.requestId, stream: from, line });
    }
  }

  private finishIfDone(): void {
    const current = this.current;
    if (!current || !current.markerSeen || !current.nextSeen) return;
    this.settle(current);
    this.state = 'idle';
    this.emit('idle');
  }

  private settle(current: Current): void {
    clearTimeout(current.timer);
    this.current = undefined;
    if (!current.outcomeSettled) {
      current.outcomeSettled = true;
      current.error ??= { errorType: 'Runtime.NoResponse', errorMessage: 'the invocation ended without a response' };
      current.resolveOutcome({ kind: 'error', error: current.error });
    }
    current.resolveFinished({
      requestId: current.requestId,
      containerId: this.id,
      error: current.error,
      logs: current.logs,
      durationMs: Date.now() - current.started,
    });
  }

  /** Kills the process for `why` (timeout, shutdown). */
  private terminate(why: InvocationFailure): void {
    this.exitReason ??= why;
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    else if (!this.child) this.onExit(null, null);
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.state === 'dead') return;
    const why = this.exitReason ?? this.initError ?? { errorType: 'Runtime.ExitError', errorMessage: `RequestId: exited with ${signal ? `signal ${signal}` : `code ${code}`}` };
    this.state = 'dead';
    this.pendingNext?.destroy();
    const current = this.current;
    if (current) {
      // The exit cut the response stream too: report the cause, whichever of the two was noticed first.
      if (current.error === undefined || current.error.errorType === STREAM_ABORTED) current.error = why;
      // A response already streaming is cut: its reader sees an error, never a clean end.
      if (current.stream && !current.stream.complete) current.stream.destroy(new Error(`${why.errorType}: ${why.errorMessage}`));
      this.settle(current);
    }
    this.emit('dead', why);
    this.server.closeAllConnections();
    this.server.close();
  }
}

/** Lambda's limit on a container's init phase (loading the handler module). */
const INIT_TIMEOUT_MS = 10_000;
const STREAM_ABORTED = 'Runtime.ResponseStreamAborted';
const TRAILER_ERROR_TYPE = 'lambda-runtime-function-error-type';
const TRAILER_ERROR_BODY = 'lambda-runtime-function-error-body';

function parseFailure(body: Buffer, typeHeader: string | string[] | undefined): InvocationFailure {
  let parsed: Partial<InvocationFailure> = {};
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    // The type header alone says enough.
  }
  return {
    errorType: String(parsed.errorType ?? typeHeader ?? 'Error'),
    errorMessage: String(parsed.errorMessage ?? ''),
  };
}

function readAll(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', () => resolve(Buffer.concat(chunks)));
  });
}

/**
 * The arguments the Node.js runtimes' bootstrap gives `node`: `gc` exposed,
 * a larger header limit, and the heap sized from the function's memory (a
 * tenth of it for the young generation, split into two semi-spaces; the rest
 * for the old one). Without them a container's memory would behave unlike
 * Lambda's.
 */
export function lambdaNodeArguments(memorySizeMb: string | undefined): string[] {
  const args = ['--expose-gc', '--max-http-header-size=81920'];
  const memory = Number(memorySizeMb);
  if (Number.isInteger(memory) && memory > 0) {
    const newSpace = Math.floor(memory / 10);
    args.push(`--max-semi-space-size=${Math.floor(newSpace / 2)}`, `--max-old-space-size=${memory - newSpace}`);
  }
  return args;
}
