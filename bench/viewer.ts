/**
 * The benchmark's viewer: one GET, following one redirect to the same host
 * as a browser would, timing the first byte and the last byte of the object
 * body and hashing what arrived.
 */
import { createHash } from 'node:crypto';
import * as http from 'node:http';

/** What the viewer got. */
export interface ViewerResult {
  /** Status of the final response. */
  readonly status: number;
  /** Whether a redirect was followed. */
  readonly redirected: boolean;
  /** Milliseconds from `startedAt` to the first byte of the object body (after any redirect). */
  readonly firstByteMs: number;
  /** Milliseconds from `startedAt` to the last byte of the object body. */
  readonly wholeBodyMs: number;
  readonly bytes: number;
  /** SHA-256 (hex) of the body. */
  readonly sha256: string;
  /** The `x-amz-cf-id` of the first response, when CloudFront answered. */
  readonly cfId?: string;
}

/** GETs `url` at `startedAt` (a `performance.now()` value), following at most one redirect. */
export async function view(url: string, agent: http.Agent, startedAt = performance.now()): Promise<ViewerResult> {
  const first = await get(url, agent);
  const cfId = first.res.headers['x-amz-cf-id'] as string | undefined;
  let { res } = first;
  let redirected = false;
  if (res.statusCode !== undefined && res.statusCode >= 300 && res.statusCode < 400 && res.headers.location) {
    res.resume();
    redirected = true;
    res = (await get(new URL(res.headers.location, url).toString(), agent)).res;
  }
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    let firstByteMs: number | undefined;
    let bytes = 0;
    res.on('data', (chunk: Buffer) => {
      firstByteMs ??= performance.now() - startedAt;
      bytes += chunk.length;
      hash.update(chunk);
    });
    res.on('error', reject);
    res.on('end', () => {
      const wholeBodyMs = performance.now() - startedAt;
      if (!res.complete) return reject(new Error(`${url}: the body was cut after ${bytes} bytes`));
      resolve({ status: res.statusCode ?? 0, redirected, firstByteMs: firstByteMs ?? wholeBodyMs, wholeBodyMs, bytes, sha256: hash.digest('hex'), cfId });
    });
  });
}

/**
 * GETs `url`. A request that fails on a reused keep-alive connection before
 * any response (the server closed it as it idled out) is sent once more on a
 * new connection, as browsers do, so a reset never aborts a run.
 */
function get(url: string, agent: http.Agent, fresh = false): Promise<{ res: http.IncomingMessage }> {
  return new Promise((resolve, reject) => {
    let responded = false;
    const req = http.get(url, { agent: fresh ? false : agent }, (res) => {
      responded = true;
      resolve({ res });
    });
    req.on('error', (err) => {
      if (!responded && !fresh && req.reusedSocket) return resolve(get(url, agent, true));
      reject(err);
    });
  });
}
