/**
 * A local CloudFront distribution (the default behaviour only): an HTTP proxy
 * on 127.0.0.1 that sends each request to the primary origin (the S3
 * stand-in, path-style) and, for GET/HEAD/OPTIONS, fails over to the fallback
 * origin (the function URL stand-in) on the origin group's status codes or a
 * connection error, as CloudFront does. It forwards only what the template's
 * cache and origin request policies forward, adds CloudFront's request headers,
 * passes raw paths through untouched, and streams both ways.
 *
 * A viewer-request CloudFront Function in the template runs first, on the
 * CloudFront Functions stand-in (`local/cloudfront-function.ts`).
 *
 * Not modelled: caching (every request reaches an origin, so `x-cache` is
 * `Miss from cloudfront`, or `Error from cloudfront` for an origin's 4xx or
 * 5xx and CloudFront's own errors, never a Hit), compression,
 * HTTPS and the viewer protocol policy, custom error responses, retries and
 * connection attempts, other cache behaviours; viewer-response functions are
 * refused at start. (A bodiless request whose pooled keep-alive connection the
 * origin had just closed is resent once on a new one: that stale connection is
 * the stand-in's own, not a second attempt at the origin.)
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter, once } from 'node:events';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { CloudFrontFunction, loadCloudFrontFunction, viewerRequestEvent } from './cloudfront-function';
import { allows } from './cloudfront-policies';
import { DistributionSpec, OriginSpec } from './template';

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
  /** Where each kind of origin listens. */
  readonly origins: Readonly<Record<OriginSpec['kind'], OriginTarget>>;
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
  /** What the primary origin answered: a status, or the connection error. */
  readonly primary?: { readonly status?: number; readonly error?: string };
  /** What the fallback origin answered, when the request failed over: a status, or the connection error or timeout. */
  readonly fallback?: { readonly status?: number; readonly error?: string };
  /** Whether the request failed over to the fallback origin. */
  readonly failover: boolean;
  /** Which origin's response the viewer got (`cloudfront` for CloudFront's own errors). */
  readonly servedBy: OriginSpec['kind'] | 'cloudfront';
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
  private readonly viewerRequest?: CloudFrontFunction;

  private constructor(private readonly options: LocalCloudFrontOptions) {
    super();
    const functions = options.distribution.functionAssociations;
    const unsupported = functions.filter((f) => f.eventType !== 'viewer-request' || f.code === undefined);
    if (unsupported.length > 0) {
      // Serving without them would answer differently from the deployed distribution, silently.
      const which = unsupported.map((f) => `${f.eventType}${f.code === undefined ? ' (code not in the template)' : ''}`).join(', ');
      throw new Error(`the default behaviour runs CloudFront Functions the local CloudFront cannot run: ${which}`);
    }
    if (functions.length > 0) this.viewerRequest = loadCloudFrontFunction(functions[0].code!);
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

    if (!dist.allowedMethods.includes(method)) {
      return own(403, 'ERROR: The request could not be satisfied', 'This distribution is not configured to allow the HTTP request method that was used for this request.');
    }
    const split = splitTarget(rawUrl);
    if (!split) return own(400, 'ERROR: The request could not be satisfied', 'Bad request.');
    if (Buffer.byteLength(split.path) + Buffer.byteLength(split.query ?? '') > MAX_URI_BYTES) {
      return own(414, 'ERROR: The request could not be satisfied', 'The request URI is too long.');
    }
    let request: ViewerRequest = { path: split.path, query: split.query, headers: viewerHeaders(req) };
    if (this.viewerRequest) {
      const changed = this.runViewerRequest(request, method, req, cfId);
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
    const query = filterQuery(request.query, dist.forwarding.queryStrings);
    const headers = this.originHeaders(request.headers, req, cfId);

    const originFailed = (error: string, timedOut: boolean) => {
      if (timedOut) own(504, 'ERROR: The request could not be satisfied', `CloudFront attempted to establish a connection with the origin, but either the attempt failed or the origin closed the connection (${error}).`);
      else own(502, 'ERROR: The request could not be satisfied', `CloudFront wasn't able to connect to the origin (${error}).`);
    };
    const canFailOver = dist.fallback !== undefined && FAILOVER_METHODS.has(method);
    const toFallback = () => {
      record.failover = true;
      this.counters.failovers++;
      // The viewer's body (if any) went to the primary; the fallback gets none.
      const { 'content-length': _length, ...withoutBody } = headers;
      this.forward(dist.fallback!, undefined, req, res, path, query, withoutBody, cfId, record, (error, timedOut) => {
        record.fallback = { error };
        originFailed(error, timedOut);
      }, (status) => {
        record.fallback = { status };
        return false;
      });
    };
    this.forward(dist.primary, req, req, res, path, query, headers, cfId, record, (error, timedOut) => {
      record.primary = { error };
      if (canFailOver) return toFallback();
      originFailed(error, timedOut);
    }, (status) => {
      record.primary = { status };
      if (canFailOver && dist.failoverStatusCodes.includes(status)) {
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
   * is called when no response came (connection error, timeout). A request
   * without a body that fails on a reused keep-alive connection before any
   * response is sent once more on a new connection.
   */
  private forward(
    origin: OriginSpec,
    body: http.IncomingMessage | undefined,
    req: http.IncomingMessage,
    res: http.ServerResponse,
    path: string,
    query: string | undefined,
    headers: http.OutgoingHttpHeaders,
    cfId: string,
    record: InFlight,
    onError: (error: string, timedOut: boolean) => void,
    onStatus: (status: number) => boolean = () => false,
  ): void {
    const target = this.options.origins[origin.kind];
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
        record.servedBy = origin.kind;
        const responseHeaders: http.OutgoingHttpHeaders = {};
        for (const [name, value] of Object.entries(incoming.headers)) {
          if (!HOP_BY_HOP.has(name) && value !== undefined) responseHeaders[name] = value;
        }
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
  private runViewerRequest(request: ViewerRequest, method: string, req: http.IncomingMessage, cfId: string): ViewerRequest | GeneratedResponse {
    const headers = Object.fromEntries([...request.headers].filter(([name]) => name !== 'cookie'));
    const event = viewerRequestEvent(`${request.path}${request.query === undefined ? '' : `?${request.query}`}`, {
      method,
      headers,
      ip: (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
    });
    event.context.requestId = cfId;
    let result;
    try {
      result = this.viewerRequest!(event);
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
  private originHeaders(viewer: ReadonlyMap<string, string>, req: http.IncomingMessage, cfId: string): http.OutgoingHttpHeaders {
    const rules = this.options.distribution.forwarding;
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

/** The request as CloudFront passes it on: path, raw query, viewer headers (lower-case names, repeats joined). */
interface ViewerRequest {
  readonly path: string;
  readonly query?: string;
  readonly headers: ReadonlyMap<string, string>;
}

/** A response a viewer-request function generated. */
interface GeneratedResponse {
  readonly status: number;
  readonly headers: http.OutgoingHttpHeaders;
  readonly body: string;
}

/** The viewer's headers by lower-case name, repeated ones joined as CloudFront joins them. */
function viewerHeaders(req: http.IncomingMessage): Map<string, string> {
  const headers = new Map<string, string>();
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i].toLowerCase();
    const previous = headers.get(name);
    headers.set(name, previous === undefined ? req.rawHeaders[i + 1] : `${previous}${name === 'cookie' ? '; ' : ', '}${req.rawHeaders[i + 1]}`);
  }
  return headers;
}

/** Whether the viewer's request carries a body (a length above 0, or chunked). */
function hasBody(req: http.IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && Number(length) !== 0);
}

/** Path and query of a request target; absolute-form keeps only its path. Undefined if it is neither. */
function splitTarget(target: string): { path: string; query?: string } | undefined {
  let rest = target;
  const absolute = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(target);
  if (absolute) rest = target.slice(absolute[0].length) || '/';
  if (!rest.startsWith('/')) return undefined;
  const q = rest.indexOf('?');
  return q < 0 ? { path: rest } : { path: rest.slice(0, q), query: rest.slice(q + 1) };
}

/** The query string with only the parameters `rule` forwards (undefined when none remains). */
function filterQuery(query: string | undefined, rule: Parameters<typeof allows>[0]): string | undefined {
  if (query === undefined || rule.kind === 'none') return undefined;
  if (rule.kind === 'all') return query;
  const kept = query.split('&').filter((part) => {
    const name = part.split('=')[0];
    let decoded = name;
    try {
      decoded = decodeURIComponent(name);
    } catch {
      // An undecodable name is compared as sent.
    }
    return part !== '' && allows(rule, decoded);
  });
  return kept.length > 0 ? kept.join('&') : undefined;
}

/** CloudFront's normalised Accept-Encoding when the cache policy enables compression. */
function normalisedAcceptEncoding(value: string, enabled: { gzip: boolean; brotli: boolean }): string | undefined {
  const offered = new Set(value.toLowerCase().split(',').map((v) => v.split(';')[0].trim()));
  const encodings = [];
  if (enabled.brotli && offered.has('br')) encodings.push('br');
  if ((enabled.gzip || enabled.brotli) && offered.has('gzip')) encodings.push('gzip');
  return encodings.length > 0 ? encodings.join(',') : undefined;
}

/** The shape of an origin access control signature (the local function URL checks the scheme only). */
function fakeSigV4(host: string): http.OutgoingHttpHeaders {
  const now = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  return {
    'x-amz-date': now,
    'x-amz-content-sha256': 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    'x-amz-security-token': 'local-cloudfront-session',
    'authorization': `AWS4-HMAC-SHA256 Credential=ASIALOCAL/${now.slice(0, 8)}/us-east-1/lambda/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=${randomBytes(32).toString('hex')}`,
    'host': host,
  };
}
