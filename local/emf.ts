/**
 * Reads CloudWatch Embedded Metric Format (EMF) records the way CloudWatch Logs extracts them: for every directive
 * of `_aws.CloudWatchMetrics`, every dimension set, every metric, one data point whose dimension values and metric
 * value are the record's members of those names. A record whose members do not say what its directives name is an
 * error, as it would be a metric CloudWatch drops. The local run's summary and the tests read metrics with this.
 */

/** One data point a record yields. */
export interface EmfDatapoint {
  readonly namespace: string;
  readonly metricName: string;
  readonly unit?: string;
  /** Dimension name → value, in the dimension set's order. */
  readonly dimensions: Readonly<Record<string, string>>;
  /** The value (a metric member may hold up to 100 values). */
  readonly values: readonly number[];
  /** Milliseconds since the epoch. */
  readonly timestamp: number;
}

/** Whether `value` looks like an EMF record (a JSON object with `_aws.CloudWatchMetrics`). */
export function isEmfRecord(value: unknown): value is Record<string, unknown> & { _aws: { CloudWatchMetrics: unknown[] } } {
  if (typeof value !== 'object' || value === null) return false;
  const aws = (value as { _aws?: { CloudWatchMetrics?: unknown } })._aws;
  return typeof aws === 'object' && aws !== null && Array.isArray(aws.CloudWatchMetrics);
}

/** The records among log lines: each line that is a JSON object with `_aws.CloudWatchMetrics`, whole (no prefix). */
export function emfRecords(lines: readonly string[]): Array<Record<string, unknown>> {
  const records: Array<Record<string, unknown>> = [];
  for (const line of lines) {
    if (!line.startsWith('{')) continue;
    try {
      const value = JSON.parse(line);
      if (isEmfRecord(value)) records.push(value);
    } catch {
      // Not JSON: not a record.
    }
  }
  return records;
}

/** Every data point of `record`; throws when a directive names a member the record lacks or holds the wrong type. */
export function datapoints(record: Record<string, unknown>): EmfDatapoint[] {
  if (!isEmfRecord(record)) throw new Error('not an EMF record: no _aws.CloudWatchMetrics');
  const aws = record._aws as { Timestamp?: unknown; CloudWatchMetrics: Array<Record<string, any>> };
  if (typeof aws.Timestamp !== 'number') throw new Error('_aws.Timestamp must be a number');
  const points: EmfDatapoint[] = [];
  for (const directive of aws.CloudWatchMetrics) {
    const sets: string[][] = directive.Dimensions;
    for (const set of sets) {
      const dimensions: Record<string, string> = {};
      for (const name of set) {
        const value = record[name];
        if (typeof value !== 'string') throw new Error(`dimension ${name} must be a string member of the record, got ${JSON.stringify(value)}`);
        dimensions[name] = value;
      }
      for (const metric of directive.Metrics as Array<{ Name: string; Unit?: string }>) {
        const value = record[metric.Name];
        const values = Array.isArray(value) ? value : [value];
        if (values.length === 0 || values.length > 100 || !values.every((v) => typeof v === 'number' && Number.isFinite(v))) {
          throw new Error(`metric ${metric.Name} must be a number (or up to 100 numbers) in the record, got ${JSON.stringify(value)}`);
        }
        points.push({ namespace: directive.Namespace, metricName: metric.Name, unit: metric.Unit, dimensions, values, timestamp: aws.Timestamp });
      }
    }
  }
  return points;
}

/** The sum of the values of the data points of `metricName` whose dimensions are exactly `dimensions`. */
export function sumOf(points: readonly EmfDatapoint[], metricName: string, dimensions: Readonly<Record<string, string>>): number {
  const wanted = Object.keys(dimensions).sort();
  return points
    .filter((p) => p.metricName === metricName)
    .filter((p) => {
      const names = Object.keys(p.dimensions).sort();
      return names.length === wanted.length && names.every((n, i) => n === wanted[i] && p.dimensions[n] === dimensions[n]);
    })
    .reduce((sum, p) => sum + p.values.reduce((a, b) => a + b, 0), 0);
}
