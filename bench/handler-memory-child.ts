/**
 * One mirror in a fresh process, for bench/handler-memory.ts (which bundles
 * this file with esbuild, so the process holds no TypeScript compiler): loads
 * the bundled handler, mirrors `argv[2]` with a viewer that drops everything,
 * and sends its peak RSS to the parent.
 */
import { Writable } from 'node:stream';
import { functionUrlEvent } from '../test/support/function-url-event';
import { loadHandler, makeContext, ResponseStream, runStreamingInvocation } from '../test/support/lambda-runtime';

/** What the child reports. */
export interface ChildReport {
  readonly loadedRssKiB: number;
  readonly peakRssKiB: number;
  readonly status: number;
  readonly ms: number;
}

async function main(bundleDir: string, rawPath: string): Promise<void> {
  const handler = loadHandler(bundleDir);
  const loadedRssKiB = Math.round(process.memoryUsage().rss / 1024);
  let status = 0;
  let prelude = '';
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      if (status === 0) {
        prelude += chunk.toString('latin1');
        const match = /^\{"statusCode":(\d+)/.exec(prelude);
        if (match) status = Number(match[1]);
      }
      callback();
    },
  });
  const started = Date.now();
  const stream = new ResponseStream(sink);
  await runStreamingInvocation(handler, functionUrlEvent({ rawPath }), stream, makeContext('bench'));
  if (stream.error) throw new Error(`invocation failed: ${stream.error.errorMessage}`);
  const report: ChildReport = { loadedRssKiB, peakRssKiB: process.resourceUsage().maxRSS, status, ms: Date.now() - started };
  process.send!(report);
}

main(process.argv[2], process.argv[3]).catch((err) => {
  console.error(err);
  process.exit(1);
});
