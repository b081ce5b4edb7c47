/**
 * The first step of a run: checks the execution input, and turns a `paths`, `keys` or `report` manifest into the
 * JSONL items file Distributed Map reads (an inventory is read by Distributed Map itself; refresh without a manifest
 * walks the mirror bucket's listing). Everything the later steps need is in what it returns.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { RunFunctionConfig } from '../config';
import type { ItemSource, JobInput, JobMode, ManifestFormat } from '../protocol';
import { manifestReader, ManifestError } from './manifest-lines';
import { readObject, readText, TextFileWriter } from './s3-files';

/** How Distributed Map reads the run's items: one Map state each. */
export type ItemReaderKind = 'lines' | 'inventory' | 'listing';

/** A prepared run: the state every later step reads. */
export interface PreparedRun {
  readonly mode: JobMode;
  readonly source: ItemSource;
  readonly reader: ItemReaderKind;
  /** The file Distributed Map reads (`lines`: the JSONL items; `inventory`: its manifest.json). */
  readonly items?: { readonly bucket: string; readonly key: string };
  /** Items in the JSONL file (`lines` only). */
  readonly count?: number;
  readonly stripPrefix: string;
  /** The execution's name. */
  readonly run: string;
  /** The run's folder in the reports bucket (ends with `/`). */
  readonly folder: string;
  /** Where Distributed Map writes its result files. */
  readonly resultsPrefix: string;
  /** When the execution started (ISO 8601). */
  readonly startedAt: string;
}

/** The prepare step's event. */
export interface PrepareEvent {
  readonly input: unknown;
  /** The execution's name (`$$.Execution.Name`). */
  readonly run: string;
  /** `$$.Execution.StartTime`. */
  readonly startedAt: string;
}

/** An execution input the jobs cannot run: the execution fails with this error and its message. */
export class InvalidJobInput extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidJobInput';
  }
}

const MODES: readonly JobMode[] = ['prewarm', 'coverage', 'refresh'];
const FORMATS: readonly ManifestFormat[] = ['paths', 'keys', 'inventory', 'report'];

/** Checks the input and writes the items file; throws `InvalidJobInput` for an input it cannot run. */
export async function prepare(s3: S3Client, config: RunFunctionConfig, event: PrepareEvent): Promise<PreparedRun> {
  const input = checkInput(event.input, config);
  const folder = `${config.reportsPrefix}${event.run}/`;
  const base = { mode: input.mode, stripPrefix: input.manifest?.stripPrefix ?? '', run: event.run, folder, resultsPrefix: `${folder}results`, startedAt: event.startedAt };
  const manifest = input.manifest;
  if (!manifest) return { ...base, source: 'listing', reader: 'listing' };
  if (manifest.format === 'inventory') {
    await checkInventory(s3, config.manifestBucket, manifest.key);
    return { ...base, source: 'inventory', reader: 'inventory', items: { bucket: config.manifestBucket, key: manifest.key } };
  }
  const itemsKey = `${folder}items.jsonl`;
  const from = { bucket: config.manifestBucket, key: manifest.key, format: manifest.format };
  const count = await writeItems(s3, from, { bucket: config.reportsBucket, key: itemsKey });
  return { ...base, source: manifest.format, reader: 'lines', items: { bucket: config.reportsBucket, key: itemsKey }, count };
}

/** The input as a `JobInput`, or `InvalidJobInput` naming every problem. */
export function checkInput(value: unknown, config: Pick<RunFunctionConfig, 'manifestBucket'>): JobInput {
  const problems: string[] = [];
  const input = (typeof value === 'object' && value !== null ? value : {}) as Record<string, any>;
  if (!MODES.includes(input.mode)) problems.push(`mode must be one of ${MODES.join(', ')}, got ${JSON.stringify(input.mode)}`);
  const manifest = input.manifest as Record<string, any> | undefined;
  if (manifest === undefined || manifest === null) {
    if (input.mode !== 'refresh') problems.push(`${input.mode ?? 'this mode'} needs a manifest: {"bucket": …, "key": …, "format": "paths" | "keys" | "inventory" | "report"}`);
  } else {
    if (typeof manifest.key !== 'string' || manifest.key === '') problems.push('manifest.key must be the manifest\'s object key');
    if (!FORMATS.includes(manifest.format)) problems.push(`manifest.format must be one of ${FORMATS.join(', ')}, got ${JSON.stringify(manifest.format)}`);
    if (manifest.bucket !== undefined && manifest.bucket !== config.manifestBucket) {
      problems.push(`manifest.bucket must be the jobs' manifest bucket "${config.manifestBucket}" (the only one they may read), got ${JSON.stringify(manifest.bucket)}`);
    }
    if (manifest.stripPrefix !== undefined) {
      if (typeof manifest.stripPrefix !== 'string') problems.push('manifest.stripPrefix must be a string');
      else if (manifest.format !== 'keys' && manifest.format !== 'inventory') problems.push('manifest.stripPrefix applies to the keys and inventory formats only');
    }
  }
  if (problems.length > 0) throw new InvalidJobInput(problems.join('; '));
  return input as JobInput;
}

/** Distributed Map reads CSV inventories only: anything else fails here, before the run starts. */
async function checkInventory(s3: S3Client, bucket: string, key: string): Promise<void> {
  let manifest: { fileFormat?: unknown; fileSchema?: unknown };
  try {
    manifest = JSON.parse(await readText(s3, bucket, key));
  } catch (err) {
    throw new InvalidJobInput(`manifest.key must name an S3 Inventory manifest.json in ${bucket}: ${(err as Error).message}`);
  }
  if (manifest.fileFormat !== 'CSV') throw new InvalidJobInput(`the inventory must be CSV (Distributed Map reads no other), got ${JSON.stringify(manifest.fileFormat)}`);
  if (typeof manifest.fileSchema !== 'string' || !manifest.fileSchema.split(',').map((c) => c.trim()).includes('Key')) {
    throw new InvalidJobInput('the inventory\'s fileSchema must list the Key column');
  }
}

/** Streams the manifest into the JSONL items file; resolves with the number of items. */
export async function writeItems(
  s3: S3Client,
  from: { readonly bucket: string; readonly key: string; readonly format: Exclude<ManifestFormat, 'inventory'> },
  to: { readonly bucket: string; readonly key: string },
): Promise<number> {
  const reader = manifestReader(from.format);
  const writer = new TextFileWriter(s3, to.bucket, to.key, 'application/x-ndjson');
  let count = 0;
  const emit = async (items: ReturnType<typeof reader.push>) => {
    if (items.length === 0) return;
    count += items.length;
    await writer.write(items.map((item) => `${JSON.stringify(item)}\n`).join(''));
  };
  try {
    for await (const piece of readObject(s3, from.bucket, from.key)) await emit(reader.push(piece));
    await emit(reader.end());
  } catch (err) {
    await writer.abort(err as Error);
    if (err instanceof ManifestError) throw new InvalidJobInput(`manifest ${from.key}: ${err.message}`);
    if ((err as { name?: string }).name === 'NoSuchKey') throw new InvalidJobInput(`manifest ${from.key} is not in ${from.bucket}`);
    throw err;
  }
  await writer.close();
  return count;
}
