/**
 * The vocabulary of an integration test: what the probe function does in one step, and what it reports.
 * A scenario is a list of steps, each with the observation it must produce (matched "object-like": the
 * fields given must be equal, others are ignored), run in order on AWS and against the local stand-ins.
 */

/** One viewer request to the distribution, optionally following one redirect. */
export interface HttpProbe {
  readonly kind: 'http';
  /** Sent exactly as written (path and query). */
  readonly path: string;
  /** @default 'GET' */
  readonly method?: 'GET' | 'HEAD' | 'OPTIONS';
  /** @default 'identity' (CloudFront then never compresses, so the bytes are the stored ones) */
  readonly acceptEncoding?: string;
  /** Follow one redirect and report both answers as `{ first, then }`. */
  readonly follow?: boolean;
  /** Ask again until a 2xx, for up to this long (a distribution just created may take a moment). */
  readonly retryForSeconds?: number;
  /** Sent as `Origin` (a cross-origin request); the answer's CORS headers are then reported. */
  readonly origin?: string;
  /** Sent as `Access-Control-Request-Method` (with `OPTIONS` and `origin`: a CORS preflight). */
  readonly accessControlRequestMethod?: string;
}

/** S3 HeadObject on the mirror bucket (no side effect: unlike a GET through CloudFront, it never mirrors). */
export interface HeadObjectProbe {
  readonly kind: 'head-object';
  readonly key: string;
  /** Ask again until the object exists, for up to this long: a streamed miss is answered before its store completes. */
  readonly waitSeconds?: number;
}

/** S3 ListObjectsV2 on the mirror bucket. */
export interface ListProbe {
  readonly kind: 'list';
  readonly prefix: string;
}

/** A viewer that leaves mid-stream: read `afterBytes` of a miss, close the connection, then watch the bucket. */
export interface AbandonProbe {
  readonly kind: 'abandon';
  readonly path: string;
  readonly afterBytes: number;
  /** The key the object must then appear under. */
  readonly key: string;
  /** How long to watch the bucket for it. */
  readonly waitSeconds: number;
}

/**
 * `viewers` concurrent GETs of one object no one asked for yet, then how many requests the origin got for it (the test
 * origin records each request for a `counted` object before answering it, in a bucket the probe lists).
 */
export interface HerdProbe {
  readonly kind: 'herd';
  readonly path: string;
  readonly viewers: number;
  /** The path the origin is asked for (the mirror's endpoint path, then `path`): where its requests are recorded. */
  readonly originPath: string;
}

/** Uploads a manifest to the jobs' manifest bucket and starts a run of the jobs' state machine (`StartExecution`). */
export interface JobStartProbe {
  readonly kind: 'job-start';
  /** The execution's name: also the folder of its reports. */
  readonly execution: string;
  readonly mode: 'prewarm' | 'coverage' | 'refresh';
  readonly manifest: {
    /** Its key in the manifest bucket. */
    readonly key: string;
    readonly format: 'paths' | 'keys';
    readonly lines: readonly string[];
  };
}

/** Waits for a run to end (`DescribeExecution`, bounded) and reads its summary from the reports bucket. */
export interface JobReportProbe {
  readonly kind: 'job-report';
  readonly execution: string;
  readonly waitSeconds: number;
}

/**
 * Sums of a mirror's metrics in namespace `CdkMirrorOrigin` since the run began (the `LastModified` of the object
 * `sinceKey`, which an earlier step stored: metrics of an earlier run of the same app are left out), read until each
 * count of `waitFor` is reached or `waitSeconds` have passed (EMF metrics appear within minutes).
 */
export interface MetricsProbe {
  readonly kind: 'metrics';
  /** The value of the `Mirror` dimension (the mirror's `mirrorName`). */
  readonly mirrorName: string;
  /** Outcomes whose `Misses` to sum (dimensions Mirror and Outcome). */
  readonly outcomes: readonly string[];
  /** Read again until each of these outcomes has at least this many misses. */
  readonly waitFor: Readonly<Record<string, number>>;
  readonly sinceKey: string;
  readonly waitSeconds: number;
}

/** What the probe function is asked to do (its invocation payload). */
export type Probe = HttpProbe | HeadObjectProbe | ListProbe | AbandonProbe | HerdProbe | JobStartProbe | JobReportProbe | MetricsProbe;

/** Who answered a viewer request, told by the ETag: the handler repeats the origin's, S3 sends its own (hex MD5). */
export type ServedBy = 'handler' | 's3' | 'unknown';

/** One viewer answer. */
export interface HttpObservation {
  readonly status: number;
  readonly servedBy: ServedBy;
  /** Body bytes received (0 for HEAD). */
  readonly bytes: number;
  /** SHA-256 of the body received, hex. */
  readonly sha256: string;
  /** Whether the body is an S3 bucket listing. */
  readonly listing: boolean;
  readonly contentLength?: string;
  readonly contentEncoding?: string;
  readonly cacheControl?: string;
  readonly location?: string;
  /** The handler's `x-mirror` header: `miss` (it asked the origin), `waited` (a single-flight waiter); S3 never sends it. */
  readonly mirror?: string;
  /** With `origin` asked: `Access-Control-Allow-Origin`, or `NO_HEADER`. */
  readonly accessControlAllowOrigin?: string;
  /** With `origin` asked: `Access-Control-Allow-Methods`, or `NO_HEADER`. */
  readonly accessControlAllowMethods?: string;
}

/** The value reported for a header the answer did not have (integ-tests cannot match a null). */
export const NO_HEADER = '(none)';

/** A viewer answer and, when `follow` was asked and it redirected, the answer after the redirect. */
export interface FollowedObservation {
  readonly first: HttpObservation;
  readonly then?: HttpObservation;
}

/** What HeadObject found. */
export interface HeadObjectObservation {
  readonly exists: boolean;
  readonly contentLength?: number;
  readonly contentType?: string;
  readonly contentEncoding?: string;
  readonly cacheControl?: string;
  /** The origin's ETag, kept by the handler as user metadata. */
  readonly originEtag?: string;
}

/** The keys under a prefix, sorted. */
export interface ListObservation {
  readonly keys: string[];
}

/** What happened after the viewer left. */
export interface AbandonObservation {
  /** The connection was closed before the whole body was read. */
  readonly cut: boolean;
  /** The object appeared in the bucket within the wait. */
  readonly stored: boolean;
  readonly contentLength?: number;
}

/** What a herd got. */
export interface HerdObservation {
  readonly viewers: number;
  /** Answers with status 200. */
  readonly ok: number;
  /** The body's SHA-256 when every answer had the same body, otherwise `DIFFERENT`. */
  readonly sha256: string;
  readonly bytes: number;
  /** Requests the origin got for the object. */
  readonly originRequests: number;
  /** Answers by their `x-mirror` header (`miss`, `waited`, or `NO_HEADER` for S3's): who answered, for the record. */
  readonly answeredBy: Readonly<Record<string, number>>;
}

/** The value of `HerdObservation.sha256` when the bodies differ. */
export const DIFFERENT = 'different';

/** A run started. */
export interface JobStartObservation {
  readonly execution: string;
  readonly started: boolean;
}

/** How a run ended, and its summary as read from the reports bucket (`summary.json`). */
export interface JobReportObservation {
  /** The execution's status: `SUCCEEDED`, `FAILED`, `RUNNING` when the wait ran out, … */
  readonly status: string;
  readonly mode?: string;
  readonly items?: number;
  readonly outcomes?: Readonly<Record<string, number>>;
  readonly bytesFromOrigin?: number;
  readonly failedBatches?: number;
}

/** The metrics' sums. */
export interface MetricsObservation {
  /** Sum of `Misses` per outcome asked for. */
  readonly misses: Readonly<Record<string, number>>;
  /** Sum of `BytesFromOrigin` (dimension Mirror). */
  readonly bytesFromOrigin: number;
}

/** A step of a scenario. */
export interface Step {
  /** Unique within the scenario, letters and digits (it names the step's output on AWS and its row in the docs). */
  readonly id: string;
  /** The behaviour it proves, one line. */
  readonly proves: string;
  readonly probe: Probe;
  /** The observation's fields that must be equal (nested objects likewise); never null. */
  readonly expect: Record<string, unknown>;
  /**
   * More fields, checked on AWS only: a behaviour the local stand-ins model by assumption (they may differ),
   * which the run on AWS confirms or refutes. Merged over `expect`.
   */
  readonly expectOnAws?: Record<string, unknown>;
}
