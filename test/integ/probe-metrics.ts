/**
 * The handler's metrics as CloudWatch has them: `Misses` per outcome and `BytesFromOrigin` of one mirror, summed
 * since the run began, read again until the counts the scenario waits for are there (EMF metrics take minutes).
 */
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { ProbeTarget, required } from './probe-target';
import type { MetricsObservation, MetricsProbe } from './steps';
import { DIMENSIONS, METRICS } from '../../src/metrics/names';

/** Reads the sums until `waitFor` is reached or the wait is over; reports the last sums read. */
export async function metrics(probe: MetricsProbe, target: ProbeTarget): Promise<MetricsObservation> {
  const source = required(target, 'metrics');
  // The bucket is new with each run: its first object's time is after every data point of an earlier run.
  const first = await target.s3.send(new HeadObjectCommand({ Bucket: target.bucket, Key: probe.sinceKey }));
  const since = first.LastModified!;
  const deadline = Date.now() + probe.waitSeconds * 1000;
  for (;;) {
    const misses: Record<string, number> = {};
    for (const outcome of probe.outcomes) {
      misses[outcome] = await source.sum({
        metricName: METRICS.misses.name,
        dimensions: { [DIMENSIONS.mirror]: probe.mirrorName, [DIMENSIONS.outcome]: outcome },
        since,
      });
    }
    const reached = Object.entries(probe.waitFor).every(([outcome, count]) => (misses[outcome] ?? 0) >= count);
    if (reached || Date.now() >= deadline) {
      const bytes = { metricName: METRICS.bytesFromOrigin.name, dimensions: { [DIMENSIONS.mirror]: probe.mirrorName }, since };
      return { misses, bytesFromOrigin: await source.sum(bytes) };
    }
    await new Promise((resolve) => setTimeout(resolve, 5000));
  }
}
