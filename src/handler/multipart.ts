/**
 * One multipart upload: created with the first part, parts sent while the
 * next fills, then completed under the store's precondition or aborted. It
 * sends what it is given; which bytes go into which part is store.ts's concern.
 */
import {
  AbortMultipartUploadCommand,
  ChecksumAlgorithm,
  CompletedPart,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommandInput,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { conditionParams, StorePrecondition } from './precondition';

/**
 * The checksum every write carries (PutObject, CreateMultipartUpload, each UploadPart), whatever the SDK's default:
 * S3 checks it before it keeps a byte. CRC32 because the SDK computes it natively (zlib), where CRC32C runs in JavaScript.
 */
export const UPLOAD_CHECKSUM = ChecksumAlgorithm.CRC32;

/** The options every request of the upload is sent with (the deadline's signal). */
export type SendOptions = { abortSignal?: AbortSignal } | undefined;

/** Where the upload goes and how its requests are sent. */
export interface MultipartTarget {
  readonly s3: S3Client;
  /** Bucket, key and the object's headers, as for PutObject. */
  readonly params: PutObjectCommandInput;
  readonly sendOptions: SendOptions;
  /** Called with the first failure of a part or of the upload's creation. */
  readonly onFailure: (err: unknown) => void;
}

/** An upload in progress (created when constructed). */
export class MultipartUpload {
  private readonly uploadId: Promise<string>;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly parts: CompletedPart[] = [];
  private nextPartNumber = 1;

  constructor(private readonly target: MultipartTarget) {
    this.uploadId = this.create();
  }

  /** Parts sent so far. */
  get partCount(): number {
    return this.nextPartNumber - 1;
  }

  /** Parts still on their way to S3. */
  get pending(): number {
    return this.inFlight.size;
  }

  /** Sends `body` as the next part; `done` runs once S3 has it or it failed (a failure goes to `onFailure`). */
  sendPart(body: Buffer, done: () => void): void {
    const partNumber = this.nextPartNumber++;
    const { s3, params } = this.target;
    const upload = this.uploadId
      .then((UploadId) => s3.send(new UploadPartCommand({
        Bucket: params.Bucket, Key: params.Key, UploadId, PartNumber: partNumber, Body: body, ChecksumAlgorithm: UPLOAD_CHECKSUM,
      }), this.target.sendOptions))
      .then((out) => {
        this.parts.push({
          PartNumber: partNumber,
          ETag: out.ETag,
          ChecksumCRC32: out.ChecksumCRC32,
          ChecksumCRC32C: out.ChecksumCRC32C,
          ChecksumCRC64NVME: out.ChecksumCRC64NVME,
          ChecksumSHA1: out.ChecksumSHA1,
          ChecksumSHA256: out.ChecksumSHA256,
        });
      })
      .catch((err) => this.target.onFailure(err))
      .finally(() => {
        this.inFlight.delete(upload);
        done();
      });
    this.inFlight.add(upload);
  }

  /** Resolves when one part in flight is done (at once if none is). */
  async oneSettled(): Promise<void> {
    if (this.inFlight.size > 0) await Promise.race(this.inFlight);
  }

  /** Resolves when every part sent is done. */
  async allSettled(): Promise<void> {
    await Promise.allSettled(this.inFlight);
  }

  /** Completes the upload under `precondition` (every part must be in); resolves with the object's S3 ETag. */
  async complete(precondition: StorePrecondition): Promise<string | undefined> {
    const parts = [...this.parts].sort((a, b) => a.PartNumber! - b.PartNumber!);
    const out = await this.target.s3.send(new CompleteMultipartUploadCommand({
      Bucket: this.target.params.Bucket,
      Key: this.target.params.Key,
      UploadId: await this.uploadId,
      MultipartUpload: { Parts: parts },
      ...conditionParams(precondition),
    }), this.target.sendOptions);
    return out.ETag;
  }

  /** Drops the upload once the parts in flight are done; never rejects. `signal` limits the abort request. */
  async abort(signal?: AbortSignal): Promise<void> {
    // S3 keeps parts that land after an abort: wait for those in flight first. (A part the deadline cancelled
    // is no longer waited for; if its bytes had all gone, S3 may still keep it: the bucket's lifecycle rule
    // for incomplete uploads is what removes such parts.)
    await this.allSettled();
    const uploadId = await this.uploadId.catch(() => undefined);
    if (uploadId === undefined) return;
    const { Bucket, Key } = this.target.params;
    await this.target.s3.send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId: uploadId }), signal ? { abortSignal: signal } : undefined)
      .catch(() => undefined);
  }

  private async create(): Promise<string> {
    const { s3, params } = this.target;
    // Each part then carries its CRC32, which S3 checks on arrival and again (listed with the part) at completion.
    const out = await s3.send(new CreateMultipartUploadCommand({ ...params, ChecksumAlgorithm: UPLOAD_CHECKSUM }), this.target.sendOptions);
    if (!out.UploadId) throw new Error('CreateMultipartUpload returned no UploadId');
    return out.UploadId;
  }
}
