/**
 * The probe's viewer requests: one request through the distribution, reported as status, who answered (told by the
 * ETag), body size and SHA-256, a few headers, and with an `Origin` sent, the answer's CORS headers.
 */
import { createHash } from 'node:crypto';
import * as http from 'node:http';
import * as https from 'node:https';
import { ORIGIN_ETAG_PREFIX } from './content';
import type { ProbeTarget } from './probe-target';
import { FollowedObservation, HttpObservation, HttpProbe, NO_HEADER, ServedBy } from './steps';

const REQUEST_TIMEOUT_MS = 30_000;
const S3_ETAG = /^"[0-9a-f]{32}(-\d+)?"$/;

/** The user agent of every probe request. */
export const USER_AGENT = 'cdk-mirror-origin-integ-probe';

/** Runs an http probe: one request (asked again until a 2xx with `retryForSeconds`), and one redirect followed with `follow`. */
export async function httpStep(probe: HttpProbe, target: ProbeTarget): Promise<HttpObservation | FollowedObservation> {
  const deadline = Date.now() + (probe.retryForSeconds ?? 0) * 1000;
  let first = await request(target.baseUrl, probe);
  while (!(first.status >= 200 && first.status < 300) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 2000));
    first = await request(target.baseUrl, probe);
  }
  if (!probe.follow) return first;
  const location = first.location;
  if (first.status < 300 || first.status > 399 || !location) return { first };
  const next = new URL(location, new URL(probe.path, target.baseUrl));
  return { first, then: await request(target.baseUrl, { ...probe, path: `${next.pathname}${next.search}` }) };
}

/** One request; a failure to connect is status 0. */
export function request(baseUrl: string, probe: HttpProbe): Promise<HttpObservation> {
  const base = new URL(baseUrl);
  const client = base.protocol === 'https:' ? https : http;
  const method = probe.method ?? 'GET';
  const headers: Record<string, string> = { 'accept-encoding': probe.acceptEncoding ?? 'identity', 'user-agent': USER_AGENT };
  if (probe.origin !== undefined) headers.origin = probe.origin;
  if (probe.accessControlRequestMethod !== undefined) headers['access-control-request-method'] = probe.accessControlRequestMethod;
  return new Promise((resolve) => {
    const hash = createHash('sha256');
    const head: Buffer[] = [];
    let bytes = 0;
    const req = client.request({
      host: base.hostname,
      port: base.port || undefined,
      path: probe.path,
      method,
      agent: false,
      timeout: REQUEST_TIMEOUT_MS,
      headers,
    });
    let settled = false;
    const settle = (result: () => HttpObservation): void => {
      if (settled) return;
      settled = true;
      resolve(result());
    };
    // A request that fails (no connection, timeout, a cut body) is status 0: no expectation accepts it.
    const failed = (): void => settle(() => ({ status: 0, servedBy: 'unknown', bytes, sha256: hash.digest('hex'), listing: false }));
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', failed);
    req.on('response', (res) => {
      res.on('data', (chunk: Buffer) => {
        hash.update(chunk);
        bytes += chunk.length;
        if (bytes - chunk.length < 4096) head.push(chunk);
      });
      res.on('error', failed);
      res.on('end', () => settle(() => observation(res, probe, bytes, hash.digest('hex'), Buffer.concat(head))));
    });
    req.end();
  });
}

function observation(res: http.IncomingMessage, probe: HttpProbe, bytes: number, sha256: string, head: Buffer): HttpObservation {
  const header = (name: string): string | undefined => {
    const value = res.headers[name];
    return Array.isArray(value) ? value.join(', ') : value;
  };
  const cors = probe.origin === undefined ? {} : {
    accessControlAllowOrigin: header('access-control-allow-origin') ?? NO_HEADER,
    accessControlAllowMethods: header('access-control-allow-methods') ?? NO_HEADER,
  };
  return {
    status: res.statusCode ?? 0,
    servedBy: servedBy(header('etag')),
    bytes,
    sha256,
    listing: (probe.method ?? 'GET') === 'GET' && head.toString('latin1').includes('<ListBucketResult'),
    contentLength: header('content-length'),
    contentEncoding: header('content-encoding'),
    cacheControl: header('cache-control'),
    location: header('location'),
    mirror: header('x-mirror'),
    ...cors,
  };
}

function servedBy(etag: string | undefined): ServedBy {
  if (etag?.startsWith(ORIGIN_ETAG_PREFIX)) return 'handler';
  if (etag && S3_ETAG.test(etag)) return 's3';
  return 'unknown';
}
