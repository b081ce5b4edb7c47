/**
 * Lambda function URL events (payload 2.0), shaped like a real one that came
 * through CloudFront (DESIGN.md's fixture), for the handler tests and the local stack.
 */
import type { LambdaFunctionURLEvent } from 'aws-lambda';

/** What varies between requests. */
export interface FunctionUrlRequest {
  /** Default GET. */
  readonly method?: string;
  /** The path exactly as received, still percent-encoded (never normalised). */
  readonly rawPath: string;
  /** The query string as received, without `?` (default none). */
  readonly rawQueryString?: string;
  /** Request headers; names are lower-cased as function URLs do. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Default a fixed id. */
  readonly requestId?: string;
}

/** A function URL event for `request`. */
export function functionUrlEvent(request: FunctionUrlRequest): LambdaFunctionURLEvent {
  const method = (request.method ?? 'GET').toUpperCase();
  const rawQueryString = request.rawQueryString ?? '';
  const headers: Record<string, string> = {
    'x-amzn-trace-id': 'Root=1-6252fa07-79d7a777368eae41c19',
    'x-forwarded-proto': 'https',
    'host': 'eczhzfsyouc4vnbx3f73mp6vce0wxxxx.lambda-url.ap-northeast-1.on.aws',
    'x-forwarded-port': '443',
    'x-forwarded-for': '13.248.48.12',
    'x-amz-cf-id': '2pygthUgDQ9PmrtyWOjer3GEDGQaDu0q4dmAZ0Npx2MOlQ==',
    'user-agent': 'Amazon CloudFront',
    'via': '2.0 1b188969aee360ace67a42f.cloudfront.net (CloudFront)',
  };
  for (const [name, value] of Object.entries(request.headers ?? {})) headers[name.toLowerCase()] = value;
  const queryStringParameters = rawQueryString === '' ? undefined : Object.fromEntries(new URLSearchParams(rawQueryString));
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: request.rawPath,
    rawQueryString,
    headers,
    ...(queryStringParameters ? { queryStringParameters } : {}),
    requestContext: {
      accountId: 'anonymous',
      apiId: 'eczhzfsyouc4vnbx3f73mp6vce0wxxxx',
      domainName: 'eczhzfsyouc4vnbx3f73mp6vce0wxxxx.lambda-url.ap-northeast-1.on.aws',
      domainPrefix: 'eczhzfsyouc4vnbx3f73mp6vce0wxxxx',
      http: {
        method,
        path: request.rawPath,
        protocol: 'HTTP/1.1',
        sourceIp: '64.252.103.125',
        userAgent: 'Amazon CloudFront',
      },
      requestId: request.requestId ?? 'a5322273-cedf-4a6b-b1fa-86bfa0b',
      routeKey: '$default',
      stage: '$default',
      time: '10/Apr/2022:15:38:47 +0000',
      timeEpoch: 1649605127949,
    },
    isBase64Encoded: false,
  };
}
