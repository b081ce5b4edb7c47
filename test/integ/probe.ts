/**
 * The probe: runs one step of a scenario and reports what it saw. On AWS it is a Lambda function the integ-tests
 * assertions invoke (`handler`, in probe-aws.ts); locally the same `runStep` runs in the test process against the
 * stand-ins.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { herd } from './probe-herd';
import { USER_AGENT, httpStep } from './probe-http';
import { jobReport, jobStart } from './probe-jobs';
import { metrics } from './probe-metrics';
import type { ProbeTarget } from './probe-target';
import type { AbandonObservation, AbandonProbe, HeadObjectObservation, ListObservation, Probe } from './steps';

export type { ProbeTarget } from './probe-target';

const REQUEST_TIMEOUT_MS = 30_000;

/** Runs one probe. */
export async function runStep(probe: Probe, target: ProbeTarget): Promise<object> {
  switch (probe.kind) {
    case 'http': return httpStep(probe, target);
    case 'head-object': return headObjectWithin(target, probe.key, probe.waitSeconds ?? 0);
    case 'list': return list(target, probe.prefix);
    case 'abandon': return abandon(probe, target);
    case 'herd': return herd(probe, target);
    case 'job-start': return jobStart(probe, target);
    case 'job-report': return jobReport(probe, target);
    case 'metrics': return metrics(probe, target);
  }
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
      headers: { 'accept-encoding': 'identity', 'user-agent': USER_AGENT },
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
