/**
 * Whether the origin answers at all, checked once when the local run starts:
 * any HTTP status means it can be reached (even a 404 or a 405 to HEAD); only
 * no answer (a refused connection, an unknown host, a TLS failure, silence)
 * means every miss will be a 502 or a 504.
 */
import * as http from 'node:http';
import * as https from 'node:https';

/** What a HEAD of the endpoint's `/` gave. */
export type Reachability =
  | { readonly reachable: true; readonly url: string; readonly status: number }
  | { readonly reachable: false; readonly url: string; readonly reason: string };

/** Sends `HEAD <endpoint>/` (the endpoint's base path, then `/`) and waits at most `timeoutMs` for the status line. */
export function checkEndpoint(endpoint: string, timeoutMs = 3_000): Promise<Reachability> {
  const url = endpoint.endsWith('/') ? endpoint : `${endpoint}/`;
  return new Promise((resolve) => {
    let req: http.ClientRequest;
    try {
      req = (url.startsWith('https:') ? https : http).request(url, { method: 'HEAD', agent: false, headers: { 'user-agent': 'cdk-mirror-origin local run' } });
    } catch (err) {
      return resolve({ reachable: false, url, reason: (err as Error).message });
    }
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
    req.on('response', (res) => {
      clearTimeout(timer);
      resolve({ reachable: true, url, status: res.statusCode ?? 0 });
      req.destroy();
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({ reachable: false, url, reason: err.code && !err.message.includes(err.code) ? `${err.code}: ${err.message}` : err.message });
    });
    req.end();
  });
}
