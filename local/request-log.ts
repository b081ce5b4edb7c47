/**
 * One readable line per viewer request for the local run, with the S3 key it
 * was for: `MISS / → key index.html: origin 200 in 8 ms → stored (1.0 KiB, 45 ms)`
 * or `HIT  / → key index.html, from the bucket (1.0 KiB, 3 ms)`; a single-flight waiter (`x-mirror: waited`)
 * is `WAIT / → key index.html: another request fetched it, answered from the bucket, no fetch (…)`.
 */
import type { MirrorRequestRecord } from './stack';

/** Formats a byte count as B, KiB or MiB. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(bytes < 10 * 1024 ? 1 : 0)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** The line for one request. */
export function formatRequest(record: MirrorRequestRecord): string {
  const cf = record.cloudFront;
  const what = `${cf.method === 'GET' ? '' : `${cf.method} `}${cf.rawUrl}`;
  const status = cf.status === undefined ? 'no status' : String(cf.status);
  const cut = cf.completed ? '' : cf.viewerAborted ? ', viewer went away' : ', connection cut';
  const took = `${cf.durationMs} ms`;
  const key = record.key === undefined ? '' : `key ${record.key === '' ? '(none)' : record.key}`;

  if (cf.servedBy === 'cloudfront') {
    const why = cf.primary?.error ? `origins unreachable (${cf.primary.error})` : 'answered by CloudFront';
    return `DENY ${what} → ${why} (${status}, ${took})`;
  }
  if (!cf.failover) {
    if (cf.status !== undefined && cf.status < 400) return `HIT  ${what} → ${key}, from the bucket (${formatBytes(cf.bytes)}, ${took}${cut})`;
    return `S3   ${what} → ${key}: the bucket answered ${status} (${took}${cut})`;
  }

  const log = record.handlerLog;
  const primary = `${key === '' ? '' : `${key}: `}${cf.primary?.error ? `S3 unreachable (${cf.primary.error}), ` : ''}`;
  if (!log) {
    const error = record.invocation?.error ? `: ${record.invocation.error.errorType} ${record.invocation.error.errorMessage}` : '';
    return `MISS ${what} → ${primary}function answered ${status}${error} (${took}${cut})`;
  }
  const bytes = typeof log.bytes === 'number' ? log.bytes : cf.bytes;
  const originStatus = typeof log.originStatus === 'number' ? ` ${log.originStatus}` : '';
  const origin = typeof log.originMs === 'number' ? `origin${originStatus} in ${log.originMs} ms` : 'origin fetched';
  switch (log.outcome) {
    case 'stored':
      return `MISS ${what} → ${primary}${origin} → stored${cf.status === 302 ? ' → 302 to itself' : ''} (${formatBytes(bytes)}, ${took}${cut})`;
    case 'exists':
      return `MISS ${what} → ${primary}${origin} → already in the bucket, not overwritten (${formatBytes(bytes)}, ${took}${cut})`;
    case 'not-found':
      return `MISS ${what} → ${primary}${origin} → not found, nothing stored (${status}, ${took})`;
    case 'options':
      return `OPTS ${what} → answered by the function (${status}, ${took})`;
    case 'waited': {
      const waitedMs = singleFlight(log).waitedMs;
      const waiting = typeof waitedMs === 'number' ? `, ${waitedMs} ms of it waiting` : '';
      return `WAIT ${what} → ${primary}${waiterAnswer(log)}, no fetch (${status}, ${formatBytes(cf.bytes)}, ${took}${waiting}${cut})`;
    }
    default: {
      const error = typeof log.error === 'string' ? `: ${log.error}` : '';
      return `MISS ${what} → ${primary}${String(log.outcome)}${error}, nothing stored (${status}, ${took}${cut})`;
    }
  }
}

/** The handler log's single-flight record, or none. */
function singleFlight(log: Record<string, unknown>): Record<string, unknown> {
  return typeof log.singleFlight === 'object' && log.singleFlight !== null ? log.singleFlight as Record<string, unknown> : {};
}

/** What a single-flight waiter answered with: the holder's stored object, the holder's verdict, or a retry. */
function waiterAnswer(log: Record<string, unknown>): string {
  const holder = singleFlight(log).holderOutcome;
  if (holder === 'stored') return 'another request fetched it, answered from the bucket';
  if (typeof holder === 'string') return `another request's fetch ended ${holder}, answered with its verdict`;
  return 'another request is still fetching it, answered with a redirect to try again';
}
