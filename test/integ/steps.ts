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
  readonly method?: 'GET' | 'HEAD';
  /** @default 'identity' (CloudFront then never compresses, so the bytes are the stored ones) */
  readonly acceptEncoding?: string;
  /** Follow one redirect and report both answers as `{ first, then }`. */
  readonly follow?: boolean;
  /** Ask again until a 2xx, for up to this long (a distribution just created may take a moment). */
  readonly retryForSeconds?: number;
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

/** What the probe function is asked to do (its invocation payload). */
export type Probe = HttpProbe | HeadObjectProbe | ListProbe | AbandonProbe;

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
}

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
