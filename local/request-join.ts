/**
 * Joins each viewer request CloudFront reports with the function URL
 * invocation made for it (by `x-amz-cf-id`), and hands them on in the order
 * the viewer requests finished. A request that failed over waits for its
 * invocation's report (which comes when the function is done, often after
 * later requests were answered from the bucket); later requests wait behind
 * it, so that a miss is never logged after the hit that followed it.
 */

/** What CloudFront reports of a viewer request, as far as joining goes. */
export interface ViewerRequestReport {
  readonly cfId: string;
  /** The request went to the function URL: an invocation report will follow, unless `fallback.error` says none can. */
  readonly failover: boolean;
  readonly fallback?: { readonly error?: string };
}

/** What the function URL reports of an invocation, as far as joining goes. */
export interface InvocationReport {
  /** The caller's `x-amz-cf-id`, when CloudFront called. */
  readonly cfId?: string;
}

/** Where the reports come from: `request` and `invocation` events. */
export interface ReportSources<R, I> {
  readonly cloudFront: { on(event: 'request', listener: (record: R) => void): unknown };
  readonly functionUrl: { on(event: 'invocation', listener: (record: I) => void): unknown };
}

interface Entry<R, I> {
  readonly request: R;
  invocation?: I;
  ready: boolean;
  timer?: NodeJS.Timeout;
}

/**
 * Calls `emit(request, invocation?)` once per viewer request, in the order they finished. A request waits at most
 * `graceMs` for its invocation (the function's timeout and then some), then goes on without it.
 */
export function joinInOrder<R extends ViewerRequestReport, I extends InvocationReport>(
  sources: ReportSources<R, I>,
  graceMs: number,
  emit: (request: R, invocation?: I) => void,
): void {
  const queue: Entry<R, I>[] = [];
  // Invocations reported before their viewer request finished (a function can end before CloudFront's response does).
  const early = new Map<string, { record: I; timer: NodeJS.Timeout }>();
  const flush = () => {
    while (queue.length > 0 && queue[0].ready) {
      const entry = queue.shift()!;
      emit(entry.request, entry.invocation);
    }
  };
  sources.cloudFront.on('request', (request) => {
    const entry: Entry<R, I> = { request, ready: true };
    queue.push(entry);
    const invocation = early.get(request.cfId);
    if (invocation) {
      clearTimeout(invocation.timer);
      early.delete(request.cfId);
      entry.invocation = invocation.record;
    } else if (request.failover && request.fallback?.error === undefined) {
      // The function URL answered: its invocation's report is on the way.
      entry.ready = false;
      entry.timer = setTimeout(() => {
        entry.ready = true;
        flush();
      }, graceMs).unref();
    }
    flush();
  });
  sources.functionUrl.on('invocation', (invocation) => {
    if (!invocation.cfId) return;
    const waiting = queue.find((entry) => !entry.ready && entry.request.cfId === invocation.cfId);
    if (waiting) {
      clearTimeout(waiting.timer);
      waiting.invocation = invocation;
      waiting.ready = true;
      return flush();
    }
    const cfId = invocation.cfId;
    early.set(cfId, { record: invocation, timer: setTimeout(() => early.delete(cfId), graceMs).unref() });
  });
}
