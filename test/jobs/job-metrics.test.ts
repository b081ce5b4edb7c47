/**
 * A job item's log line is also an EMF record: counted as JobItems (never Misses), its bytes from the origin in the
 * same BytesFromOrigin metric, and the job's mode as a Job dimension in both sets, so the mirror's own [Mirror]
 * metrics (what the alarms and the origin budget read) stay the viewer path's.
 */
import { datapoints, sumOf } from '../../local/emf';
import { JobLogLine } from '../../src/jobs/runtime/item-batch';
import { jobMetricsLogger } from '../../src/jobs/runtime/job-metrics';
import { emfSchemaErrors } from '../metrics/emf';

const MIRROR = 'Stack/Mirror/Default';

function written(lines: JobLogLine[]): Array<Record<string, any>> {
  const texts: string[] = [];
  const log = jobMetricsLogger({ mirrorName: MIRROR, write: (text) => texts.push(text), now: () => Date.now() });
  for (const line of lines) log(line);
  return texts.map((text) => JSON.parse(text));
}

const base = { method: 'GET', status: 200, totalMs: 10 };
const records = written([
  { ...base, job: 'prewarm', key: 'a.bin', outcome: 'stored', bytes: 1000, originMs: 5, storeMs: 7 },
  { ...base, job: 'prewarm', key: 'b.bin', outcome: 'present', bytes: 0 },
  { ...base, job: 'refresh', key: 'c.bin', outcome: 'updated', bytes: 300, originMs: 4, storeMs: 6 },
]);
const points = records.flatMap((record) => datapoints(record));

test('every line is one valid EMF record, with the log line\'s own fields', () => {
  expect(records).toHaveLength(3);
  for (const record of records) expect(emfSchemaErrors(record)).toEqual([]);
  expect(records[0]).toMatchObject({ job: 'prewarm', key: 'a.bin', outcome: 'stored', bytes: 1000 });
});

test('dimension sets [Mirror, Job] and [Mirror, Job, Outcome]: never the viewer path\'s [Mirror] or [Mirror, Outcome]', () => {
  for (const record of records) {
    expect(record._aws.CloudWatchMetrics[0].Dimensions).toEqual([['Mirror', 'Job'], ['Mirror', 'Job', 'Outcome']]);
  }
  expect(records.map((record) => record.Job)).toEqual(['prewarm', 'prewarm', 'refresh']);
  expect(sumOf(points, 'BytesFromOrigin', { Mirror: MIRROR })).toBe(0);
  expect(sumOf(points, 'JobItems', { Mirror: MIRROR, Outcome: 'stored' })).toBe(0);
});

test('JobItems counts each key per job and outcome, BytesFromOrigin its bytes; no Misses', () => {
  expect(sumOf(points, 'JobItems', { Mirror: MIRROR, Job: 'prewarm' })).toBe(2);
  expect(sumOf(points, 'JobItems', { Mirror: MIRROR, Job: 'prewarm', Outcome: 'present' })).toBe(1);
  expect(sumOf(points, 'BytesFromOrigin', { Mirror: MIRROR, Job: 'prewarm' })).toBe(1000);
  expect(sumOf(points, 'BytesFromOrigin', { Mirror: MIRROR, Job: 'refresh', Outcome: 'updated' })).toBe(300);
  expect(points.some((point) => point.metricName === 'Misses')).toBe(false);
});
