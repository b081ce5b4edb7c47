/**
 * What the migration jobs pass between their steps: the execution input a user starts a run with, the items the
 * Distributed Map hands the item function (one batch per invocation), what the item function answers, and the
 * summary a run ends with. The construct, the functions and the local runner all import this module, so no shape
 * is written twice. Bundled into the job functions: it must not import aws-cdk-lib.
 */
import type { Outcome } from '../handler/result';

/** What a run does with each key. */
export type JobMode =
  /** Fetch and store what the bucket does not hold yet; a key already there is `present`, with no origin request. */
  | 'prewarm'
  /** No origin request at all: each key is `present` or `missing`. */
  | 'coverage'
  /** Revalidate stored keys at the origin; replace only what changed (`If-Match`), invalidate it in the distribution. */
  | 'refresh';

/** How a manifest lists its keys. Each is decoded exactly once, by the item function, with the mirror's key rules. */
export type ManifestFormat =
  /** One URL path per line, percent-encoded as viewers request it (`/img/a%20b.jpg`): access logs, sitemaps. */
  | 'paths'
  /** One raw object key per line, as the old provider lists it (`img/a b.jpg`), without the mirror's keyPrefix. */
  | 'keys'
  /** An S3 Inventory `manifest.json` (CSV files, keys URL-encoded as that format specifies); OSS and COS export the same. */
  | 'inventory'
  /** A previous run's CSV report (`key,outcome,status,bytes`, RFC 4180 quoting), fed back to retry what it lists. */
  | 'report';

/** The execution input: `aws stepfunctions start-execution --input '{"mode":"prewarm","manifest":{…}}'`. */
export interface JobInput {
  readonly mode: JobMode;
  /**
   * The manifest. `refresh` may leave it out to walk the mirror's own keys in its bucket (only the keys this mirror
   * serves); `prewarm` and `coverage` need one.
   */
  readonly manifest?: ManifestLocation;
}

/** Where a manifest is. */
export interface ManifestLocation {
  /** Its bucket (default: the jobs' manifest bucket, which is the reports bucket unless the construct was given one). */
  readonly bucket?: string;
  /** Its key (for `inventory`, the key of `manifest.json`). */
  readonly key: string;
  readonly format: ManifestFormat;
  /**
   * For `keys` and `inventory`: the part of each listed key before the mirror's own paths (the endpoint's path as the
   * old provider lists it, such as `assets/`), removed before the key is decoded; a key without it is `rejected`.
   */
  readonly stripPrefix?: string;
}

/** A line of a `paths`, `keys` or `report` manifest, as the prepare step writes it to JSONL (not decoded yet). */
export interface LineItem {
  /** 1-based line number in the manifest (for the report; a report's header is line 1). */
  readonly line: number;
  /** The line's text: a path, a raw key, or a report's key, exactly as written. */
  readonly text: string;
  /** Why the line cannot name a key whatever its text (not UTF-8; a report row without a key column). */
  readonly invalid?: string;
  /** A report's row: the outcome it had (a `rejected` row is rejected again, never read as a key). */
  readonly previous?: string;
}

/** A row of an S3 Inventory CSV, as Distributed Map's manifest reader gives it (columns named by the manifest's fileSchema). */
export interface InventoryItem {
  readonly Bucket: string;
  /** URL-encoded, as S3 Inventory writes keys. */
  readonly Key: string;
  readonly [column: string]: string;
}

/** An object of the mirror bucket's own listing (Distributed Map's ListObjectsV2 reader): a full key, keyPrefix included. */
export interface ListingItem {
  readonly Key: string;
  readonly Etag?: string;
  readonly Size?: number;
  readonly [field: string]: unknown;
}

/** Where the items of a batch came from: `listing` for the bucket's own keys (refresh without a manifest). */
export type ItemSource = Exclude<ManifestFormat, 'inventory'> | 'inventory' | 'listing';

/** What Distributed Map sends the item function: one batch (`ItemBatcher`) with the run's settings as `BatchInput`. */
export interface JobBatch {
  readonly BatchInput: {
    readonly mode: JobMode;
    readonly source: ItemSource;
    /** The manifest's `stripPrefix` ('' for none). */
    readonly stripPrefix?: string;
  };
  readonly Items: ReadonlyArray<LineItem | InventoryItem | ListingItem>;
}

/** What happened to one item, in DESIGN.md's vocabulary. */
export interface ItemResult {
  /** The mirror's S3 key (absent when the item names no legal key). */
  readonly key?: string;
  /** The item as given (line text or inventory key), for the report when there is no key. */
  readonly input?: string;
  readonly outcome: Outcome;
  /** The status a viewer would have got for this key, when the origin was asked. */
  readonly status?: number;
  /** Body bytes received from the origin (0 for a 304 or no request). */
  readonly bytes: number;
  /** Viewer paths to invalidate (refresh `updated`): the key without keyPrefix, re-encoded; both URIs of a variant. */
  readonly invalidate?: readonly string[];
  /** What went wrong, in one line. */
  readonly error?: string;
}

/**
 * The item function's answer for a batch: one result per item of this mirror (a listed key another mirror serves gets
 * none). An array, so that the result writer's FLATTEN transformation writes one item result per JSON line.
 */
export type JobBatchResult = readonly ItemResult[];

/** How a run ended: the execution's output, also written as `summary.json` next to the result files. */
export interface JobSummary {
  readonly mode: JobMode;
  /** The execution's name (the folder of its reports). */
  readonly run: string;
  /** Items seen, in all. */
  readonly items: number;
  /** Items per outcome. */
  readonly outcomes: Readonly<Partial<Record<Outcome, number>>>;
  /** Body bytes received from the origin, in all. */
  readonly bytesFromOrigin: number;
  /** From the execution's start to the summary, in milliseconds. */
  readonly durationMs: number;
  /** Batches Distributed Map reports as failed: their items are counted as `internal-error` and listed in the CSV. */
  readonly failedBatches: number;
  /** Why the Map state failed (tolerated failure exceeded, …), when it did; the execution then fails after the summary. */
  readonly error?: string;
  /** `s3://…` of the summary and of the CSV (`key,outcome,status,bytes`) of every key not present, stored or unchanged. */
  readonly reports: { readonly summary: string; readonly failures: string };
  /** Viewer paths refresh changed, to be invalidated in the distribution(s) the mirror is bound to. */
  readonly changedPaths: number;
  /** CloudFront invalidation ids created for them (none locally). */
  readonly invalidations?: readonly string[];
}

/** Outcomes that need nothing more: the CSV report lists every key with another outcome. */
export const SETTLED_OUTCOMES: readonly Outcome[] = ['present', 'stored', 'exists', 'unchanged', 'updated'];
