/** S3 errors as the SDK raises them, for aws-sdk-client-mock. */
import { S3ServiceException } from '@aws-sdk/client-s3';

/** An S3 error with `name` and HTTP `status`. */
export function s3Error(name: string, status: number): S3ServiceException {
  return new S3ServiceException({
    name,
    message: `${name} (mocked)`,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status, attempts: 1 },
  });
}

/** 412: the key exists (If-None-Match: * failed). */
export const preconditionFailed = () => s3Error('PreconditionFailed', 412);
/** 409: a conflicting conditional write is in flight. */
export const conditionalConflict = () => s3Error('ConditionalRequestConflict', 409);
/** 500 from S3. */
export const internalError = () => s3Error('InternalError', 500);
