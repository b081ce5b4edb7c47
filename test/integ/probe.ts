/**
 * The probe: runs one step of a scenario and reports what it saw. On AWS it is a Lambda function the integ-tests
 * assertions invoke (`handler`); locally the same `runStep` runs in the test process against the stand-ins.
 */
import { createHash } from 'node:crypto';
import * as http from 'node:http';
import * as https from 'node:https';
import { HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { ORIGIN_ETAG_PREFIX } from './content';
import type {
  AbandonObservation, AbandonProbe, FollowedObservation, HeadObjectObservation, HttpObservation, HttpProbe, ListObservation, Probe, ServedBy,
} from './steps';

/** Where the probe looks. */
export interface ProbeTarget {
  /** The distribution, e.g. `https://d111111abcdef8.cloudfront.net`. */
  readonly baseUrl: string;
  readonly bucket: string;
  readonly s3: S3Client;
}

const REQUEST_TIMEOUT_MS = 30_000;
const S3_ETAG = /^"[0-9a-f]{32}(-\d+)?"$/;

/** Runs one probe. */
export async function runStep(probe: Probe, target: ProbeTarget): Promise<object> {
  switch (probe.kind) {
    case 'http': return httpStep(probe, target);
    case 'head-object': return headObjectWithin(target, probe.key, probe.waitSeconds ?? 0);
    case 'list': return list(target, probe.prefix);
    case 'abandon': return abandon(probe, target);
  }
}

/** The Lambda entry: the invocation payload is the probe; the distribution and bucket come from the environment. */
export async function handler(probe: Probe): Promise<object> {
  const baseUrl = process.env.DISTRIBUTION_URL;
  const bucket = process.env.MIRROR_BUCKET;
  if (!baseUrl || !bucket) throw new Error('DISTRIBUTION_URL and MIRROR_BUCKET must be set');
  return runStep(probe, { baseUrl, bucket, s3: new S3Client({}) });
}

async function httpStep(probe: HttpProbe, target: ProbeTarget): Promise<HttpObservation | FollowedObservation> {
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
function request(baseUrl: string, probe: HttpProbe): Promise<HttpObservation> {
  const base = new URL(baseUrl);
  const client = base.protocol === 'https:' ? https : http;
  const method = probe.method ?? 'GET';
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
      headers: { 'accept-encoding': probe.acceptEncoding ?? 'identity', 'user-agent': 'cdk-mirror-origin-integ-probe' },
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
      res.on('end', () => settle(() => observation(res, method, bytes, hash.digest('hex'), Buffer.concat(head))));
    });
    req.end();
  });
}

function observation(res: http.IncomingMessage, method: string, bytes: number, sha256: string, head: Buffer): HttpObservation {
  const header = (name: string): string | undefined => {
    const value = res.headers[name];
    return Array.isArray(value) ? value.join(', ') : value;
  };
  return {
    status: res.statusCode ?? 0,
    servedBy: servedBy(header('etag')),
    bytes,
    sha256,
    listing: method === 'GET' && head.toString('latin1').includes('<ListBucketResult'),
    contentLength: header('content-length'),
    contentEncoding: header('content-encoding'),
    cacheControl: header('cache-control'),
    location: header('location'),
  };
}

function servedBy(etag: string | undefined): ServedBy {
  if (etag?.startsWith(ORIGIN_ETAG_PREFIX)) return 'handler';
  if (etag && S3_ETAG.test(etag)) return 's3';
  return 'unknown';
}

async function headObject(target: ProbeTarget, key: string): Promise<HeadObjectObservation> {
  try {
    const found = await target.s3.send(new HeadObjectCommand({ Bucket: target.bucket, Key: key }));
    return {
      exists: true,
      contentLength: found.ContentLength,
      contentType: found.ContentType,
      contentEncoding: found.ContentEncoding,
      cacheControl: found.CacheControl,
      originEtag: found.Metadata?.['origin-etag'],
    };
  } catch (err) {
    if ((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return { exists: false };
    throw err;
  }
}

async function list(target: ProbeTarget, prefix: string): Promise<ListObservation> {
  const found = await target.s3.send(new ListObjectsV2Command({ Bucket: target.bucket, Prefix: prefix }));
  return { keys: (found.Contents ?? []).map((object) => object.Key ?? '').sort() };
}

/** HeadObject until the object exists or `waitSeconds` have passed. */
async function headObjectWithin(target: ProbeTarget, key: string, waitSeconds: number): Promise<HeadObjectObservation> {
  const deadline = Date.now() + waitSeconds * 1000;
  for (;;) {
    const found = await headObject(target, key);
    if (found.exists || Date.now() >= deadline) return found;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function abandon(probe: AbandonProbe, target: ProbeTarget): Promise<AbandonObservation> {
  const cut = await readThenLeave(target.baseUrl, probe.path, probe.afterBytes);
  const found = await headObjectWithin(target, probe.key, probe.waitSeconds);
  return found.exists ? { cut, stored: true, contentLength: found.contentLength } : { cut, stored: false };
}

/** GETs `path`, reads `afterBytes` of the body and closes the connection; true if the body was not yet complete. */
function readThenLeave(baseUrl: string, path: string, afterBytes: number): Promise<boolean> {
  const base = new URL(baseUrl);
  const client = base.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    const req = client.request({
      host: base.hostname,
      port: base.port || undefined,
      path,
      agent: false,
      timeout: REQUEST_TIMEOUT_MS,
      headers: { 'accept-encoding': 'identity', 'user-agent': 'cdk-mirror-origin-integ-probe' },
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(false));
    req.on('response', (res) => {
      let bytes = 0;
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes < afterBytes) return;
        req.destroy();
        resolve(!res.complete);
      });
      res.on('end', () => resolve(false));
      res.on('error', () => undefined);
    });
    req.end();
  });
}
