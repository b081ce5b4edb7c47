/**
 * The handler's logger, for every outcome of the vocabulary: one JSON line that is the log line and a valid EMF
 * record (the specification's JSON schema), namespace CdkMirrorOrigin, dimension sets [Mirror] and [Mirror, Outcome],
 * and the values of the request. The viewer path's own records, from the bundle, are in emf.integration.test.ts.
 */
import { emfSchemaErrors } from './emf';
import { metricsLogger as ownLogger } from '../../bench/own-metrics-log';
import { datapoints, sumOf } from '../../local/emf';
import type { LogLine } from '../../src/handler/log';
import { metricsLogger } from '../../src/handler/metrics-log';
import { OUTCOMES } from '../../src/metrics/names';

const MIRROR = 'Stack/Mirror/Default';
// Powertools refuses (with a console warning) a time stamp more than 14 days old or 2 hours ahead: one taken now.
const NOW = Date.now();

/** The lines written for `lines`, parsed, and their raw text. */
function written(lines: LogLine[], options: { countMetricName?: string } = {}): { texts: string[]; records: Array<Record<string, any>> } {
  const texts: string[] = [];
  const log = metricsLogger({ mirrorName: MIRROR, now: () => NOW, write: (text) => texts.push(text), ...options });
  for (const line of lines) log(line);
  return { texts, records: texts.map((t) => JSON.parse(t)) };
}

const base = { requestId: 'req-1', method: 'GET', key: 'a/b.png', status: 200, totalMs: 40 };

describe.each(OUTCOMES.map((outcome) => [outcome]))('outcome %s', (outcome) => {
  const line: LogLine = { ...base, outcome, bytes: 1234, originMs: 12, storeMs: 30, delivery: 'streamed' };
  const { texts, records } = written([line]);
  const record = records[0];

  test('one JSON line, valid against the EMF specification\'s schema', () => {
    expect(texts).toHaveLength(1);
    expect(texts[0]).not.toContain('\n');
    expect(emfSchemaErrors(record)).toEqual([]);
  });

  test('the log line\'s own fields are all there, unchanged', () => {
    expect(record).toMatchObject(line);
  });

  test('namespace CdkMirrorOrigin, dimension sets [Mirror] and [Mirror, Outcome], no other dimension', () => {
    expect(record._aws.Timestamp).toBe(NOW);
    expect(record._aws.CloudWatchMetrics).toHaveLength(1);
    expect(record._aws.CloudWatchMetrics[0].Namespace).toBe('CdkMirrorOrigin');
    expect(record._aws.CloudWatchMetrics[0].Dimensions).toEqual([['Mirror'], ['Mirror', 'Outcome']]);
    expect(record.Mirror).toBe(MIRROR);
    expect(record.Outcome).toBe(outcome);
    expect(record.service).toBeUndefined();
  });

  test('the metrics CloudWatch extracts: one miss in total and one of this outcome, with the request\'s values', () => {
    const points = datapoints(record);
    for (const dimensions of [{ Mirror: MIRROR }, { Mirror: MIRROR, Outcome: outcome }] as Array<Record<string, string>>) {
      expect(sumOf(points, 'Misses', dimensions)).toBe(1);
      expect(sumOf(points, 'BytesFromOrigin', dimensions)).toBe(1234);
      expect(sumOf(points, 'OriginLatency', dimensions)).toBe(12);
      expect(sumOf(points, 'StoreDuration', dimensions)).toBe(30);
      expect(sumOf(points, 'Streamed', dimensions)).toBe(1);
      expect(sumOf(points, 'Redirected', dimensions)).toBe(0);
    }
    const units = Object.fromEntries(points.map((p) => [p.metricName, p.unit]));
    expect(units).toEqual({
      Misses: 'Count', BytesFromOrigin: 'Bytes', OriginLatency: 'Milliseconds', StoreDuration: 'Milliseconds', Streamed: 'Count', Redirected: 'Count',
    });
  });
});

test('a request that never reached the origin nor S3 has no latency and no store time (no zeros in the percentiles)', () => {
  const { records } = written([{ ...base, outcome: 'rejected', status: 400, bytes: 0 }]);
  expect(emfSchemaErrors(records[0])).toEqual([]);
  const names = records[0]._aws.CloudWatchMetrics[0].Metrics.map((m: { Name: string }) => m.Name);
  expect(names.sort()).toEqual(['BytesFromOrigin', 'Misses', 'Redirected', 'Streamed']);
  expect(records[0].OriginLatency).toBeUndefined();
});

test('a redirected object counts as redirected, not streamed', () => {
  const points = datapoints(written([{ ...base, outcome: 'stored', status: 302, bytes: 9, originMs: 1, storeMs: 2, delivery: 'redirected' }]).records[0]);
  expect(sumOf(points, 'Redirected', { Mirror: MIRROR })).toBe(1);
  expect(sumOf(points, 'Streamed', { Mirror: MIRROR })).toBe(0);
});

test('records do not leak into each other: each line has only its own outcome and values', () => {
  const { records } = written([
    { ...base, outcome: 'stored', bytes: 10, originMs: 1, storeMs: 2, delivery: 'streamed' },
    { ...base, outcome: 'not-found', status: 404, bytes: 0, originMs: 3 },
  ]);
  expect(records.map((r) => [r.Outcome, r.BytesFromOrigin, r.StoreDuration, r.Streamed])).toEqual([['stored', 10, 2, 1], ['not-found', 0, undefined, 0]]);
  for (const record of records) expect(emfSchemaErrors(record)).toEqual([]);
});

test('something mirroring without a viewer (a job) counts under its own name, so its bytes show but it is not a miss', () => {
  const { records } = written([{ ...base, outcome: 'present', bytes: 0 }, { ...base, outcome: 'stored', bytes: 77, originMs: 5, storeMs: 6 }],
    { countMetricName: 'JobItems' });
  const points = records.flatMap((r) => datapoints(r));
  expect(sumOf(points, 'Misses', { Mirror: MIRROR })).toBe(0);
  expect(sumOf(points, 'JobItems', { Mirror: MIRROR })).toBe(2);
  expect(sumOf(points, 'BytesFromOrigin', { Mirror: MIRROR })).toBe(77);
});

test('the schema is a real check: a record breaking the specification fails it', () => {
  const { records } = written([{ ...base, outcome: 'stored', bytes: 1 }]);
  const broken = JSON.parse(JSON.stringify(records[0]));
  broken._aws.CloudWatchMetrics[0].Metrics[0].Unit = 'Furlongs';
  delete broken._aws.Timestamp;
  expect(emfSchemaErrors(broken)).toEqual(expect.arrayContaining([
    '/_aws must have required property \'Timestamp\'',
    expect.stringMatching(/^\/_aws\/CloudWatchMetrics\/0\/Metrics\/0\/Unit must be equal to one of the allowed values/),
  ]));
  // A directive naming a member the record lacks is what CloudWatch would drop: the extractor refuses it.
  delete broken.Outcome;
  expect(() => datapoints({ ...broken, _aws: records[0]._aws })).toThrow(/dimension Outcome must be a string member/);
});

test('@aws-lambda-powertools/metrics (which ships) and the few-line writer the benchmark compares it with write the same records', () => {
  const lines: LogLine[] = OUTCOMES.map((outcome, i) => ({ ...base, outcome, bytes: i * 100, originMs: i % 3 === 0 ? undefined : i, delivery: i % 2 ? 'streamed' : undefined }));
  for (const options of [{}, { countMetricName: 'JobItems', extraDimensions: { Job: 'prewarm' } }]) {
    const shipped: string[] = [];
    const own: string[] = [];
    const shippedLog = metricsLogger({ mirrorName: MIRROR, now: () => NOW, write: (t) => shipped.push(t), ...options });
    const ownLog = ownLogger({ mirrorName: MIRROR, now: () => NOW, write: (t) => own.push(t), ...options });
    for (const line of lines) {
      shippedLog(line);
      ownLog(line);
    }
    expect(shipped).toHaveLength(lines.length);
    expect(shipped.map((t) => JSON.parse(t))).toEqual(own.map((t) => JSON.parse(t)));
  }
});
