/**
 * The end of a run, read from Distributed Map's result files: counts per outcome, bytes from the origin and the
 * run's duration, a CSV (`key,outcome,status,bytes`) of every key that needs more (not present, stored or
 * unchanged), which a next run takes back as a `report` manifest, and the viewer paths refresh changed. The items
 * of a batch that failed as a whole are counted `internal-error` and listed, so the CSV misses nothing.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { Outcome } from '../../handler/result';
import type { RunFunctionConfig } from '../config';
import { ItemResult, JobBatch, JobSummary, SETTLED_OUTCOMES } from '../protocol';
import { itemKey, KeyRules } from './item-keys';
import type { PreparedRun } from './prepare';
import { csvRow, REPORT_COLUMNS } from './report-csv';
import { listKeys, readLines, readText, TextFileWriter } from './s3-files';

/** The summarise step's event: the run's state after the Map state (`mapError` when it failed). */
export interface SummariseEvent {
  readonly state: {
    readonly run: PreparedRun;
    readonly mapError?: { readonly Error?: string; readonly Cause?: string };
  };
}

/** A summary before its invalidations are made (the finish step adds them). */
export type RunSummary = Omit<JobSummary, 'invalidations'>;

/** Distributed Map's manifest.json of a map run's results. */
interface ResultManifest {
  readonly ResultFiles?: Record<string, ReadonlyArray<{ readonly Key: string }>>;
}

/** Reads the run's results and writes the CSV and the changed paths; resolves with the summary. */
export async function summarise(
  s3: S3Client, config: RunFunctionConfig, rules: KeyRules, event: SummariseEvent, now: () => number = Date.now,
): Promise<RunSummary> {
  const { run, mapError } = event.state;
  const bucket = config.reportsBucket;
  const failures = new TextFileWriter(s3, bucket, `${run.folder}failures.csv`, 'text/csv; charset=utf-8');
  const changed = new TextFileWriter(s3, bucket, `${run.folder}changed-paths.txt`, 'text/plain; charset=utf-8');
  const tally = new Tally(failures, changed, (item) => itemKey(item, run.source, rules, run.stripPrefix));
  try {
    await failures.write(csvRow(REPORT_COLUMNS));
    const manifests = (await listKeys(s3, bucket, `${run.resultsPrefix}/`)).filter((key) => key.endsWith('/manifest.json'));
    for (const manifestKey of manifests) {
      const manifest = JSON.parse(await readText(s3, bucket, manifestKey)) as ResultManifest;
      for (const file of Object.values(manifest.ResultFiles ?? {}).flat()) {
        for await (const line of readLines(s3, bucket, file.Key)) await tally.line(JSON.parse(line));
      }
    }
  } catch (err) {
    await failures.abort(err as Error);
    await changed.abort(err as Error);
    throw err;
  }
  await failures.close();
  await changed.close();
  const error = mapError ? [mapError.Error, mapError.Cause].filter(Boolean).join(': ') : undefined;
  return {
    mode: run.mode,
    run: run.run,
    items: tally.items,
    outcomes: tally.outcomes,
    bytesFromOrigin: tally.bytes,
    durationMs: Math.max(0, now() - Date.parse(run.startedAt)),
    failedBatches: tally.failedBatches,
    ...(error ? { error } : {}),
    reports: { summary: `s3://${bucket}/${run.folder}summary.json`, failures: `s3://${bucket}/${run.folder}failures.csv` },
    changedPaths: tally.changedPaths,
  };
}

/** Counts results as they are read, writing the CSV rows and changed paths on the way. */
export class Tally {
  public items = 0;
  public bytes = 0;
  public failedBatches = 0;
  public changedPaths = 0;
  public readonly outcomes: Partial<Record<Outcome, number>> = {};

  constructor(
    private readonly failures: { write(text: string): Promise<void> },
    private readonly changed: { write(text: string): Promise<void> },
    /** The mirror's key rules, to list a failed batch's items by key as the item function would have. */
    private readonly keyOf: (item: JobBatch['Items'][number]) => ReturnType<typeof itemKey>,
  ) {}

  /** One line of a result file: an item's result, or a failed batch's record (its items are listed as failed). */
  async line(value: unknown): Promise<void> {
    const record = value as Partial<ItemResult> & { Status?: string; Input?: string; Error?: string; Cause?: string; Output?: string };
    if (typeof record.outcome === 'string') return this.item(record as ItemResult);
    // Transformation NONE (or a failed batch, which FLATTEN leaves as it is): the execution's record.
    if (record.Status === 'SUCCEEDED' && typeof record.Output === 'string') {
      for (const item of JSON.parse(record.Output) as ItemResult[]) await this.item(item);
      return;
    }
    if (typeof record.Input === 'string') return this.failedBatch(record.Input, [record.Error, record.Cause].filter(Boolean).join(': '));
    throw new Error(`unexpected line in the result files: ${JSON.stringify(value).slice(0, 200)}`);
  }

  /** Counts one item result. */
  async item(result: ItemResult): Promise<void> {
    this.items++;
    this.outcomes[result.outcome] = (this.outcomes[result.outcome] ?? 0) + 1;
    this.bytes += result.bytes ?? 0;
    if (!SETTLED_OUTCOMES.includes(result.outcome)) {
      await this.failures.write(csvRow([result.key ?? result.input ?? '', result.outcome, result.status?.toString() ?? '', String(result.bytes ?? 0)]));
    }
    if (result.invalidate && result.invalidate.length > 0) {
      this.changedPaths += result.invalidate.length;
      await this.changed.write(result.invalidate.map((path) => `${path}\n`).join(''));
    }
  }

  /** A batch that failed as a whole: each of its items listed by key (as `internal-error`) so a report run retries it. */
  private async failedBatch(input: string, why: string): Promise<void> {
    this.failedBatches++;
    const batch = JSON.parse(input) as JobBatch;
    for (const item of batch.Items ?? []) {
      const found = this.keyOf(item);
      if (found.kind === 'skipped') continue;
      if (found.kind === 'rejected') await this.item({ input: found.input, outcome: 'rejected', status: found.status, bytes: 0, error: found.reason });
      else await this.item({ key: found.key.key, outcome: 'internal-error', bytes: 0, error: why });
    }
  }
}
