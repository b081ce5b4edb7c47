/**
 * A local CloudFront distribution: an HTTP proxy on 127.0.0.1 that picks each
 * request's cache behaviour by CloudFront's path-pattern rules (path-pattern.ts),
 * sends the request to that behaviour's primary origin (the S3 stand-in,
 * path-style) and, for GET/HEAD/OPTIONS, fails over to the fallback origin (a
 * function URL stand-in) on the origin group's status codes or a connection
 * error, as CloudFront does. It forwards only what the behaviour's cache and
 * origin request policies forward, adds CloudFront's request headers, passes
 * raw paths through untouched, streams both ways, and adds the CORS headers of
 * the behaviour's response headers policy (cloudfront-cors.ts). A behaviour
 * whose origin the local stack does not run is answered 502, saying so.
 *
 * A viewer-request CloudFront Function of the behaviour runs first, on the
 * CloudFront Functions stand-in (`local/cloudfront-function.ts`).
 *
 * Not modelled: caching (every request reaches an origin, so `x-cache` is
 * `Miss from cloudfront`, or `Error from cloudfront` for an origin's 4xx or
 * 5xx and CloudFront's own errors, never a Hit), compression,
 * HTTPS and the viewer protocol policy, custom error responses, retries and
 * connection attempts; viewer-response functions are refused at start. (A
 * bodiless request whose pooled keep-alive connection the
 * origin had just closed is resent once on a new one: that stale connection is
 * the stand-in's own, not a second attempt at the origin.)
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter, once } from 'node:events';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { withCorsHeaders } from './cloudfront-cors';
import { CloudFrontFunction, loadCloudFrontFunction, viewerRequestEvent } from './cloudfront-function';
import { allows } from './cloudfront-policies';
import { fakeSigV4, filterQuery, GeneratedResponse, hasBody, normalisedAcceptEncoding, splitTarget, ViewerRequest, viewerHeaders } from './cloudfront-request';
import { selectBehavior } from './path-pattern';
import { BehaviorSpec, DistributionSpec, OriginSpec } from './template';

/** Where a local origin listens. */
export interface OriginTarget {
  /** `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** Prefixed to every path before `OriginPath`: `/<bucket>` for a path-style S3 request. */
  readonly pathPrefix?: string;
  /** The `host` CloudFront sends; default the target's own `127.0.0.1:PORT`. */
  readonly hostHeader?: string;
}

/** How to start the local distribution. */
export interface LocalCloudFrontOptions {
  /** The distribution, as read from the template. */
  readonly distribution: DistributionSpec;
  /** Where each origin the local stack runs listens, by origin ID; a behaviour whose primary has none is answered 502. */
  readonly origins: Readonly<Record<string, OriginTarget>>;
  /** @default 0 (any free port) */
  readonly port?: number;
}

/** One viewer request, reported when its response is over. */
export interface CloudFrontRecord {
  /** The `x-amz-cf-id` CloudFront gave the request (sent to the origins). */
  readonly cfId: string;
  readonly method: string;
  /** The request target exactly as the viewer sent it. */
  readonly rawUrl: string;
  /** The path sent to the origins (the default root object applied). */
  readonly path: string;
  /** The path pattern of the cache behaviour that took the request (none when it was refused before one was chosen). */
  readonly pathPattern?: string;
  /** What the primary origin answered: a status, or the connection error. */
  readonly primary?: { readonly status?: number; readonly error?: string };
  /** What the fallback origin answered, when the request failed over: a status, or the connection error or timeout. */
  readonly fallback?: { readonly status?: number; readonly error?: string };
  /** Whether the request failed over to the fallback origin. */
  readonly failover: boolean;
  /** Which origin's response the viewer got (`cloudfront` for CloudFront's own errors). */
  readonly servedBy: 's3' | 'function-url' | 'cloudfront';
  /** The status sent to the viewer, if any. */
  readonly status?: number;
  /** Body bytes sent to the viewer. */
  readonly bytes: number;
  /** The viewer got a complete response. */
  readonly completed: boolean;
  /** The viewer went away before the end. */
  readonly viewerAborted: boolean;
  readonly startedAt: number;
  readonly durationMs: number;
}

/** Running totals, for tests and the banner. */
export interface CloudFrontCounters {
  requests: number;
  /** Answered by the primary origin (S3) without failing over. */
  servedByPrimary: number;
  failovers: number;
  /** Answered by CloudFront itself (method not allowed, bad request, both origins down). */
  servedByCloudFront: number;
}

/** One request on its way through a behaviour to its origins. */
interface Exchange {
  readonly req: http.IncomingMessage;
  readonly res: http.ServerResponse;
  readonly cfId: string;
  readonly record: InFlight;
  readonly behavior: BehaviorSpec;
  /** The request after the viewer-request function, as the response headers policy sees it. */
  readonly viewer: ViewerRequest;
  readonly path: string;
  readonly query?: string;
}

/** What is known of a request while it runs. */
type InFlight = { -readonly [K in keyof Omit<CloudFrontRecord, 'completed' | 'viewerAborted' | 'durationMs'>]: CloudFrontRecord[K] } & {
  /** CloudFront cut the viewer's connection (origin failure mid-body). */
  cut: boolean;
};

const FAILOVER_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** Safe methods (RFC 9110): a request the origin may get twice. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/**
 * Idle keep-alive connections to the origins are closed after this long: below
 * Node's 5 s server keepAliveTimeout, and it makes the agent honour a shorter
 * `Keep-Alive: timeout=N` hint (an agent without a timeout ignores it).
 */
const ORIGIN_IDLE_TIMEOUT_MS = 4_000;
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'host', 'proxy-authorization']);
/** CloudFront rejects longer request URIs with 414. */
const MAX_URI_BYTES = 8192;

/** The local distribution. Start with `LocalCloudFront.start()`. */
export class LocalCloudFront extends EventEmitter {
  /** Starts listening on 127.0.0.1. */
  static async start(options: LocalCloudFrontOptions): Promise<LocalCloudFront> {
    const cf = new LocalCloudFront(options);
    cf.server.listen(options.port ?? 0, '127.0.0.1');
    await once(cf.server, 'listening');
    return cf;
  }

  /** Running totals since start. */
  public readonly counters: CloudFrontCounters = { requests: 0, servedByPrimary: 0, failovers: 0, servedByCloudFront: 0 };
  private readonly server: http.Server;
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 256, timeout: ORIGIN_IDLE_TIMEOUT_MS });
  /** The viewer-request function of each behaviour that has one. */
  private readonly viewerRequests = new Map<BehaviorSpec, CloudFrontFunction>();

  private constructor(private readonly options: LocalCloudFrontOptions) {
    super();
    for (const behavior of options.distribution.behaviors) {
      const functions = behavior.functionAssociations;
      const unsupported = functions.filter((f) => f.eventType !== 'viewer-request' || f.code === undefined);
      if (unsupported.length > 0) {
        // Serving without them would answer differently from the deployed distribution, silently.
        const which = unsupported.map((f) => `${f.eventType}${f.code === undefined ? ' (code not in the template)' : ''}`).join(', ');
        throw new Error(`the behaviour ${behavior.pathPattern} runs CloudFront Functions the local CloudFront cannot run: ${which}`);
      }
      if (functions.length > 0) this.viewerRequests.set(behavior, loadCloudFrontFunction(functions[0].code!));
    }
    this.server = http.createServer((req, res) => this.handle(req, res));
    this.server.requestTimeout = 0;
  }

  /** `http://127.0.0.1:<port>`. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The port the distribution listens on. */
  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** Stops listening and closes every connection. */
  async close(): Promise<void> {
    this.server.closeAllConnections();
    this.agent.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const startedAt = Date.now();
    const cfId = randomBytes(42).toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
    const method = req.method ?? 'GET';
    const rawUrl = req.url ?? '/';
    const dist = this.options.distribution;
    this.counters.requests++;
    const record: InFlight = {
      cfId, method, rawUrl, path: rawUrl, failover: false, servedBy: 'cloudfront', startedAt, bytes: 0, cut: false,
    };
    res.on('close', () => {
      const { cut, ...rest } = record;
      this.emit('request', {
        ...rest,
        status: res.headersSent ? res.statusCode : undefined,
        completed: res.writableFinished,
        viewerAborted: !res.writableFinished && !cut,
        durationMs: Date.now() - startedAt,
      } satisfies CloudFrontRecord);
    });
    const own = (status: number, title: string, message: string) => {
      this.counters.servedByCloudFront++;
      record.servedBy = 'cloudfront';
      req.resume();
      const body = `<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN">\n<HTML><HEAD><TITLE>${title}</TITLE></HEAD><BODY><H1>${status} ${title}</H1>\n${message}\n</BODY></HTML>\n`;
      res.writeHead(status, this.responseHeaders(cfId, { 'content-type': 'text/html', 'content-length': String(Buffer.byteLength(body)) }, 'Error'));
      res.end(body);
    };
    const refused = 'ERROR: The request could not be satisfied';

    const split = splitTarget(rawUrl);
    if (!split) return own(400, refused, 'Bad request.');
    if (Buffer.byteLength(split.path) + Buffer.byteLength(split.query ?? '') > MAX_URI_BYTES) {
      return own(414, refused, 'The request URI is too long.');
    }
    // Chosen by the path the viewer sent, before any function runs: the function is the behaviour's own.
    const behavior = selectBehavior(dist.behaviors, split.path);
    if (!behavior) return own(403, refused, 'No cache behaviour matches the request path.');
    record.pathPattern = behavior.pathPattern;
    if (!behavior.allowedMethods.includes(method)) {
      return own(403, refused, 'This distribution is not configured to allow the HTTP request method that was used for this request.');
    }
    if (!this.options.origins[behavior.primary.id]) {
      return own(502, refused, `The local stack does not run the origin of the cache behaviour ${behavior.pathPattern}: ` +
        `${behavior.primary.id} (${behavior.primary.domainName}) is not a bucket or a mirror's function URL of the template.`);
    }
    let request: ViewerRequest = { path: split.path, query: split.query, headers: viewerHeaders(req) };
    const viewerRequest = this.viewerRequests.get(behavior);
    if (viewerRequest) {
      const changed = this.runViewerRequest(viewerRequest, request, method, req, cfId);
      if ('status' in changed) {
        this.counters.servedByCloudFront++;
        req.resume();
        res.writeHead(changed.status, this.responseHeaders(cfId, changed.headers, 'FunctionGeneratedResponse'));
        res.end(changed.body);
        return;
      }
      request = changed;
    }
    // CloudFront applies the default root object to "/" only.
    const path = request.path === '/' && dist.defaultRootObject ? `/${dist.defaultRootObject}` : request.path;
    record.path = path;
    const exchange: Exchange = {
      req, res, cfId, record, behavior, viewer: request, path, query: filterQuery(request.query, behavior.forwarding.queryStrings),
    };
    const headers = this.originHeaders(behavior, request.headers, req, cfId);

    const originFailed = (error: string, timedOut: boolean) => {
      if (timedOut) own(504, refused, `CloudFront attempted to establish a connection with the origin, but either the attempt failed or the origin closed the connection (${error}).`);
      else own(502, refused, `CloudFront wasn't able to connect to the origin (${error}).`);
    };
    const canFailOver = behavior.fallback !== undefined && FAILOVER_METHODS.has(method);
    const toFallback = () => {
      record.failover = true;
      this.counters.failovers++;
      // The viewer's body (if any) went to the primary; the fallback gets none.
      const { 'content-length': _length, ...withoutBody } = headers;
      this.forward(behavior.fallback!, exchange, undefined, withoutBody, (error, timedOut) => {
        record.fallback = { error };
        originFailed(error, timedOut);
      }, (status) => {
        record.fallback = { status };
        return false;
      });
    };
    this.forward(behavior.primary, exchange, req, headers, (error, timedOut) => {
      record.primary = { error };
      if (canFailOver) return toFallback();
      originFailed(error, timedOut);
    }, (status) => {
      record.primary = { status };
      if (canFailOver && behavior.failoverStatusCodes.includes(status)) {
        toFallback();
        return true;
      }
      this.counters.servedByPrimary++;
      return false;
    });
  }

  /**
   * Sends the request to `origin` and streams its answer to the viewer.
   * `onStatus` may claim the response (failover) by returning true; `onError`
   * is called when no response came (connection error, timeout, an origin not
   * run locally). A request without a body that fails on a reused keep-alive
   * connection before any response is sent once more on a new connection.
   */
  private forward(
    origin: OriginSpec,
    exchange: Exchange,
    body: http.IncomingMessage | undefined,
    headers: http.OutgoingHttpHeaders,
    onError: (error: string, timedOut: boolean) => void,
    onStatus: (status: number) => boolean = () => false,
  ): void {
    const { req, res, path, query, cfId, record } = exchange;
    const target = this.options.origins[origin.id];
    if (!target) return onError(`the local stack does not run the origin ${origin.id} (${origin.domainName})`, false);
    const url = new URL(target.url);
    const readTimeoutMs = origin.readTimeoutSeconds * 1000;
    const originHeaders: http.OutgoingHttpHeaders = { ...headers, host: target.hostHeader ?? url.host };
    if (origin.signed && origin.kind !== 's3') Object.assign(originHeaders, fakeSigV4(originHeaders.host as string));
    const sendsBody = body !== undefined && hasBody(body);
    // Only a safe request whose (empty) body is not consumed by the first attempt can be sent twice.
    const resendable = SAFE_METHODS.has(req.method ?? 'GET') && !sendsBody;
    let outgoing: http.ClientRequest | undefined;
    let answered = false;
    let viewerGone = false;
    const fail = (error: string, timedOut: boolean) => {
      if (answered) return;
      answered = true;
      outgoing?.destroy();
      // A viewer that went away is not failed over for: nothing would read the answer.
      if (!viewerGone) onError(error, timedOut);
    };
    res.on('close', () => {
      if (res.writableFinished) return;
      viewerGone = true;
      outgoing?.destroy();
    });
    const send = (fresh: boolean) => {
      const attempt = http.request({
        host: url.hostname,
        port: url.port,
        method: req.method,
        // Raw, never normalised: hostile paths must reach the origins exactly as sent.
        path: `${target.pathPrefix ?? ''}${origin.originPath}${path}${query === undefined ? '' : `?${query}`}`,
        headers: originHeaders,
        // The retry must not land on another idle socket the origin may be closing too.
        agent: fresh ? false : this.agent,
      });
      outgoing = attempt;
      attempt.setTimeout(readTimeoutMs, () => {
        if (attempt === outgoing && !answered) fail(`no response within ${origin.readTimeoutSeconds} s`, true);
      });
      attempt.on('error', (err) => {
        if (attempt !== outgoing) return;
        // The origin closed the idle connection just as it was reused (its keepAliveTimeout): resend on a new one.
        if (!answered && !viewerGone && !fresh && resendable && attempt.reusedSocket) return send(true);
        fail((err as NodeJS.ErrnoException).code ?? err.message, false);
      });
      attempt.on('response', (incoming) => {
        answered = true;
        const status = incoming.statusCode ?? 502;
        if (onStatus(status)) {
          incoming.resume();
          return;
        }
        record.servedBy = origin.kind === 's3' ? 's3' : 'function-url';
        let responseHeaders: http.OutgoingHttpHeaders = {};
        for (const [name, value] of Object.entries(incoming.headers)) {
          if (!HOP_BY_HOP.has(name) && value !== undefined) responseHeaders[name] = value;
        }
        responseHeaders = withCorsHeaders(exchange.behavior.cors, { method: req.method ?? 'GET', headers: exchange.viewer.headers }, responseHeaders);
        // CloudFront's word for an origin's 4xx or 5xx (cached or not) is Error; for anything else it fetched, Miss.
        res.writeHead(status, this.responseHeaders(cfId, responseHeaders, status >= 400 ? 'Error' : 'Miss'));
        // A body that stops short, or goes idle past the read timeout, cuts the viewer's connection: never a clean end.
        const cut = () => {
          if (res.writableFinished) return;
          record.cut = true;
          incoming.destroy();
          res.destroy();
        };
        attempt.setTimeout(readTimeoutMs, cut);
        incoming.on('aborted', cut);
        incoming.on('error', cut);
        incoming.on('data', (chunk: Buffer) => {
          record.bytes += chunk.length;
          if (!res.write(chunk)) {
            incoming.pause();
            res.once('drain', () => incoming.resume());
          }
        });
        incoming.on('end', () => {
          if (incoming.complete) res.end();
          else cut();
        });
      });
      if (sendsBody) body.pipe(attempt);
      else attempt.end();
    };
    send(false);
  }

  /** Runs the viewer-request function: the request to pass on, or the response it generated (503 if it failed). */
  private runViewerRequest(
    fn: CloudFrontFunction, request: ViewerRequest, method: string, req: http.IncomingMessage, cfId: string,
  ): ViewerRequest | GeneratedResponse {
    const headers = Object.fromEntries([...request.headers].filter(([name]) => name !== 'cookie'));
    const event = viewerRequestEvent(`${request.path}${request.query === undefined ? '' : `?${request.query}`}`, {
      method,
      headers,
      ip: (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
    });
    event.context.requestId = cfId;
    let result;
    try {
      result = fn(event);
    } catch (err) {
      const body = `The CloudFront function associated with the request failed: ${(err as Error).message}\n`;
      return { status: 503, headers: { 'content-type': 'text/plain' }, body };
    }
    if (result.kind === 'response') {
      const out: http.OutgoingHttpHeaders = {};
      for (const [name, header] of Object.entries(result.response.headers ?? {})) out[name] = header.value;
      return { status: result.response.statusCode, headers: out, body: '' };
    }
    const changed = new Map<string, string>();
    for (const [name, header] of Object.entries(result.request.headers ?? {})) {
      changed.set(name.toLowerCase(), header.multiValue ? header.multiValue.map((v) => v.value).join(',') : header.value);
    }
    const cookie = request.headers.get('cookie');
    if (cookie !== undefined) changed.set('cookie', cookie);
    const parts: string[] = [];
    for (const [name, parameter] of Object.entries(result.request.querystring ?? {})) {
      for (const { value } of parameter.multiValue ?? [{ value: parameter.value }]) parts.push(`${name}=${value}`);
    }
    return { path: result.request.uri, query: parts.length > 0 ? parts.join('&') : undefined, headers: changed };
  }

  /** The viewer headers the policies forward, plus CloudFront's own. */
  private originHeaders(
    behavior: BehaviorSpec, viewer: ReadonlyMap<string, string>, req: http.IncomingMessage, cfId: string,
  ): http.OutgoingHttpHeaders {
    const rules = behavior.forwarding;
    const out: http.OutgoingHttpHeaders = {};
    for (const [name, value] of viewer) {
      if (HOP_BY_HOP.has(name) || name === 'cookie' || name === 'accept-encoding') continue;
      if (!allows(rules.headers, name) && name !== 'content-length' && name !== 'content-type') continue;
      out[name] = value;
    }
    const cookies = (viewer.get('cookie') ?? '').split(';').map((c) => c.trim()).filter((c) => c !== '' && allows(rules.cookies, c.split('=')[0]));
    if (cookies.length > 0) out.cookie = cookies.join('; ');
    const viewerEncoding = viewer.get('accept-encoding');
    const acceptEncoding = normalisedAcceptEncoding(viewerEncoding ?? '', rules.acceptEncoding);
    if (allows(rules.headers, 'accept-encoding') && viewerEncoding !== undefined) out['accept-encoding'] = viewerEncoding;
    else if (acceptEncoding) out['accept-encoding'] = acceptEncoding;
    if (!allows(rules.headers, 'user-agent')) out['user-agent'] = 'Amazon CloudFront';
    const viewerIp = (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
    const forwardedFor = req.headers['x-forwarded-for'];
    out['x-forwarded-for'] = forwardedFor ? `${String(forwardedFor)}, ${viewerIp}` : viewerIp;
    out.via = `${req.httpVersion === '2.0' ? '2.0' : '1.1'} ${randomBytes(16).toString('hex')}.cloudfront.net (CloudFront)`;
    out['x-amz-cf-id'] = cfId;
    return out;
  }

  private responseHeaders(cfId: string, headers: http.OutgoingHttpHeaders, cache: 'Miss' | 'Error' | 'FunctionGeneratedResponse'): http.OutgoingHttpHeaders {
    const via = `1.1 ${randomBytes(16).toString('hex')}.cloudfront.net (CloudFront)`;
    return {
      ...headers,
      'via': headers.via ? `${String(headers.via)}, ${via}` : via,
      // No cache here, so never a Hit: every answer was fetched from an origin (Miss, Error) or made here (Error, FunctionGeneratedResponse).
      'x-cache': `${cache} from cloudfront`,
      'x-amz-cf-pop': 'LOCAL50-C1',
      'x-amz-cf-id': cfId,
    };
  }
}
