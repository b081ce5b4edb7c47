/**
 * Turns an HTTP request into the event a Lambda function URL sends its
 * function (payload format 2.0), shaped as AWS shapes it: lower-case header
 * names, duplicate headers joined with commas, cookies split out, the raw path
 * and query string as received, base64 bodies for binary content.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { safeDecode } from '../s3/server';

/** A function URL event, payload format 2.0. */
export interface FunctionUrlEvent {
  readonly version: '2.0';
  readonly routeKey: '$default';
  readonly rawPath: string;
  readonly rawQueryString: string;
  readonly cookies?: string[];
  readonly headers: Record<string, string>;
  readonly queryStringParameters?: Record<string, string>;
  readonly requestContext: {
    readonly accountId: string;
    readonly apiId: string;
    readonly authorizer?: { readonly iam: Record<string, string | null> };
    readonly domainName: string;
    readonly domainPrefix: string;
    readonly http: {
      readonly method: string;
      readonly path: string;
      readonly protocol: string;
      readonly sourceIp: string;
      readonly userAgent: string;
    };
    readonly requestId: string;
    readonly routeKey: '$default';
    readonly stage: '$default';
    readonly time: string;
    readonly timeEpoch: number;
  };
  readonly body?: string;
  readonly isBase64Encoded: boolean;
}

/** What the function URL knows besides the request itself. */
export interface EventContext {
  /** The function URL's ID (first label of its host). */
  readonly urlId: string;
  /** `AWS_IAM` adds `requestContext.authorizer.iam`, as for a signed caller. */
  readonly authType: string;
  /** The request ID (also the invocation's `awsRequestId`). */
  readonly requestId?: string;
  /** The request time. */
  readonly now?: Date;
  /** The body, already read (function URLs buffer the request). */
  readonly body?: Buffer;
}

const TEXT_CONTENT = /^(text\/|application\/(json|javascript|xml|x-www-form-urlencoded|[a-z0-9.+-]*\+(json|xml))\b)/i;

/** Builds the event for `request` as a function URL does. */
export function functionUrlEvent(request: IncomingMessage, context: EventContext): FunctionUrlEvent {
  const now = context.now ?? new Date();
  const requestId = context.requestId ?? randomUUID();
  const target = request.url ?? '/';
  const q = target.indexOf('?');
  const rawPath = q < 0 ? target : target.slice(0, q);
  const rawQueryString = q < 0 ? '' : target.slice(q + 1);

  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (let i = 0; i < request.rawHeaders.length; i += 2) {
    const name = request.rawHeaders[i].toLowerCase();
    const value = request.rawHeaders[i + 1];
    // Hop-by-hop headers end at the function URL's front end.
    if (name === 'connection' || name === 'keep-alive') continue;
    if (name === 'cookie') {
      cookies.push(...value.split(';').map((c) => c.trim()).filter((c) => c !== ''));
      continue;
    }
    headers[name] = name in headers ? `${headers[name]},${value}` : value;
  }
  const sourceIp = (request.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
  // The function URL front end adds these, as seen in real events.
  headers['x-amzn-trace-id'] ??= traceId(now);
  headers['x-forwarded-for'] ??= sourceIp;
  headers['x-forwarded-proto'] ??= 'http';
  headers['x-forwarded-port'] ??= String(request.socket.localPort ?? '');

  const host = headers.host ?? `${context.urlId}.lambda-url.us-east-1.on.aws`;
  const body = context.body && context.body.length > 0 ? context.body : undefined;
  const isText = TEXT_CONTENT.test(headers['content-type'] ?? '');
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString,
    ...(cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(rawQueryString !== '' ? { queryStringParameters: queryStringParameters(rawQueryString) } : {}),
    requestContext: {
      accountId: context.authType === 'AWS_IAM' ? '123456789012' : 'anonymous',
      apiId: context.urlId,
      ...(context.authType === 'AWS_IAM'
        ? {
          authorizer: {
            iam: {
              accessKey: 'ASIALOCALLOCALLOCAL0',
              accountId: '123456789012',
              callerId: 'AROALOCALLOCALLOCAL0:cloudfront',
              cognitoIdentity: null,
              principalOrgId: null,
              userArn: 'arn:aws:sts::123456789012:assumed-role/cloudfront/cloudfront',
              userId: 'AROALOCALLOCALLOCAL0:cloudfront',
            },
          },
        }
        : {}),
      domainName: host,
      domainPrefix: host.split('.')[0],
      http: {
        method: request.method ?? 'GET',
        path: rawPath,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId,
      routeKey: '$default',
      stage: '$default',
      time: clfTime(now),
      timeEpoch: now.getTime(),
    },
    ...(body ? { body: isText ? body.toString('utf8') : body.toString('base64') } : {}),
    isBase64Encoded: body !== undefined && !isText,
  };
}

/** Query parameters as function URLs give them: decoded, repeated names joined with commas. */
function queryStringParameters(raw: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of raw.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = safeDecode(eq < 0 ? part : part.slice(0, eq));
    const value = eq < 0 ? '' : safeDecode(part.slice(eq + 1));
    out[name] = name in out ? `${out[name]},${value}` : value;
  }
  return out;
}

/** `10/Apr/2022:15:38:47 +0000`, the format of `requestContext.time`. */
function clfTime(date: Date): string {
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(date.getUTCDate())}/${months[date.getUTCMonth()]}/${date.getUTCFullYear()}:${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
}

/** An X-Ray trace header, `Root=1-<epoch hex>-<24 hex>`. */
function traceId(date: Date): string {
  return `Root=1-${Math.floor(date.getTime() / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;
}
