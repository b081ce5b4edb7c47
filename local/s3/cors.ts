/**
 * A bucket's CORS rules on the S3 stand-in, as S3 applies them. s3rver 3.7.1
 * reads a `CORSConfiguration` and answers a preflight `OPTIONS` from it (200
 * with the rule's methods and the requested headers when the Origin, the
 * `Access-Control-Request-Method` and the requested headers pass a rule; 403
 * `CORSResponse` otherwise, or when the bucket has no CORS), and adds CORS
 * headers to a GET or HEAD whose Origin passes a rule. Two things its preflight
 * answer gets wrong are put right here: it always allows the origin `*` (S3
 * echoes the Origin unless the rule allows `*`, then allows credentials), and
 * it leaves out the rule's max age and exposed headers.
 *
 * A preflight reaches the stand-in unsigned (the local CloudFront signs for the
 * function URL only): S3 answers a preflight from the rules alone, and
 * s3rver's CORS step runs before its authentication, as it should.
 */
import type * as http from 'node:http';

/** One rule of `CorsConfiguration.CorsRules` of an `AWS::S3::Bucket`. */
export interface BucketCorsRule {
  readonly allowedOrigins: readonly string[];
  readonly allowedMethods: readonly string[];
  readonly allowedHeaders: readonly string[];
  readonly exposedHeaders: readonly string[];
  readonly maxAgeSeconds?: number;
}

/** The rules as the `CORSConfiguration` document s3rver (and S3's PutBucketCors) takes. */
export function corsConfigurationXml(rules: readonly BucketCorsRule[]): string {
  const elements = (name: string, values: readonly string[]) => values.map((value) => `<${name}>${escapeXml(value)}</${name}>`).join('');
  const body = rules.map((rule) => '<CORSRule>' +
    elements('AllowedOrigin', rule.allowedOrigins) +
    elements('AllowedMethod', rule.allowedMethods) +
    elements('AllowedHeader', rule.allowedHeaders) +
    elements('ExposeHeader', rule.exposedHeaders) +
    (rule.maxAgeSeconds === undefined ? '' : `<MaxAgeSeconds>${rule.maxAgeSeconds}</MaxAgeSeconds>`) +
    '</CORSRule>').join('');
  return `<CORSConfiguration>${body}</CORSConfiguration>`;
}

/** The bucket's CORS configuration on s3rver: the template's rules, or none (a kept data directory may hold old ones). */
export async function configureBucketCors(
  store: { deleteSubresource(bucket: string, key: undefined, type: string): Promise<void> },
  bucket: string,
  rules: readonly BucketCorsRule[] | undefined,
): Promise<void> {
  // With rules, s3rver's configureBuckets has stored them already.
  if (!rules || rules.length === 0) await store.deleteSubresource(bucket, undefined, 'cors');
}

/** Where a preflight answer of s3rver falls short of S3's, sets the headers S3 sends (once the answer is a 200). */
export function preflightAsS3(req: http.IncomingMessage, res: http.ServerResponse, rules: readonly BucketCorsRule[] | undefined): void {
  const origin = header(req, 'origin');
  const method = header(req, 'access-control-request-method');
  if (req.method !== 'OPTIONS' || !rules || origin === undefined || method === undefined) return;
  // The rule s3rver answered with: the first one the Origin and the method pass.
  const rule = rules.find((r) => r.allowedMethods.includes(method.toUpperCase()) && r.allowedOrigins.some((o) => wildcardMatches(o, origin)));
  if (!rule) return;
  const writeHead = res.writeHead;
  res.writeHead = function (this: http.ServerResponse, ...args: Parameters<http.ServerResponse['writeHead']>) {
    if ((typeof args[0] === 'number' ? args[0] : res.statusCode) === 200) {
      const anyOrigin = rule.allowedOrigins.includes('*');
      res.setHeader('access-control-allow-origin', anyOrigin ? '*' : origin);
      if (!anyOrigin) res.setHeader('access-control-allow-credentials', 'true');
      if (rule.maxAgeSeconds !== undefined) res.setHeader('access-control-max-age', String(rule.maxAgeSeconds));
      if (rule.exposedHeaders.length > 0) res.setHeader('access-control-expose-headers', rule.exposedHeaders.join(', '));
    }
    return writeHead.apply(this, args);
  } as http.ServerResponse['writeHead'];
}

/** S3's origin match: the whole origin, with at most one `*` standing for any run of characters. */
function wildcardMatches(pattern: string, value: string): boolean {
  const [head, ...tail] = pattern.split('*');
  if (tail.length === 0) return pattern === value;
  const rest = tail.join('*');
  return value.length >= head.length + rest.length && value.startsWith(head) && value.endsWith(rest);
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
