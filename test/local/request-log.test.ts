/**
 * The local run's request log: requests joined with their invocations and handed on in the order they
 * finished, and one line each that names the S3 key and tells a hit from a miss.
 */
import { EventEmitter } from 'node:events';
import type { CloudFrontRecord } from '../../local/cloudfront';
import type { InvocationRecord } from '../../local/lambda/function-url';
import { joinInOrder } from '../../local/request-join';
import { formatRequest } from '../../local/request-log';

function cloudFrontRecord(cfId: string, fields: Partial<CloudFrontRecord> = {}): CloudFrontRecord {
  return {
    cfId,
    method: 'GET',
    rawUrl: `/${cfId}`,
    path: `/${cfId}`,
    failover: false,
    servedBy: 's3',
    status: 200,
    bytes: 1024,
    completed: true,
    viewerAborted: false,
    startedAt: 0,
    durationMs: 3,
    ...fields,
  };
}

function invocationRecord(cfId: string, log?: Record<string, unknown>): InvocationRecord {
  return {
    requestId: `r-${cfId}`,
    method: 'GET',
    rawPath: `/${cfId}`,
    rawQueryString: '',
    cfId,
    status: 200,
    bytes: 1024,
    completed: true,
    callerAborted: false,
    logs: log ? [`2024-01-01T00:00:00.000Z\tr-${cfId}\tINFO\t${JSON.stringify(log)}`] : [],
    startedAt: 0,
    durationMs: 5,
  };
}

describe('joinInOrder', () => {
  function join(graceMs = 60_000) {
    const sources = { cloudFront: new EventEmitter(), functionUrl: new EventEmitter() };
    const out: Array<[string, string | undefined]> = [];
    joinInOrder<CloudFrontRecord, InvocationRecord>(sources, graceMs, (request, invocation) => out.push([request.cfId, invocation?.requestId]));
    return { ...sources, out };
  }

  test('a miss whose function reports after the next request finished is still handed on first, with its invocation', () => {
    const { cloudFront, functionUrl, out } = join();
    cloudFront.emit('request', cloudFrontRecord('miss', { failover: true, servedBy: 'function-url' }));
    cloudFront.emit('request', cloudFrontRecord('hit'));
    // The hit is over, but it finished after the miss: it waits.
    expect(out).toEqual([]);
    functionUrl.emit('invocation', invocationRecord('miss'));
    expect(out).toEqual([['miss', 'r-miss'], ['hit', undefined]]);
  });

  test('an invocation reported before its viewer request finished is joined when the request comes', () => {
    const { cloudFront, functionUrl, out } = join();
    functionUrl.emit('invocation', invocationRecord('early'));
    expect(out).toEqual([]);
    cloudFront.emit('request', cloudFrontRecord('early', { failover: true, servedBy: 'function-url' }));
    expect(out).toEqual([['early', 'r-early']]);
  });

  test('requests that need no invocation, and invocations CloudFront did not make, pass straight through', () => {
    const { cloudFront, functionUrl, out } = join();
    functionUrl.emit('invocation', { ...invocationRecord('direct'), cfId: undefined });
    cloudFront.emit('request', cloudFrontRecord('denied', { servedBy: 'cloudfront', status: 403 }));
    cloudFront.emit('request', cloudFrontRecord('unreachable', { failover: true, servedBy: 'cloudfront', fallback: { error: 'ECONNREFUSED' } }));
    expect(out).toEqual([['denied', undefined], ['unreachable', undefined]]);
  });

  test('an invocation that never reports holds the others back for the grace period only', () => {
    jest.useFakeTimers();
    try {
      const { cloudFront, out } = join(1000);
      cloudFront.emit('request', cloudFrontRecord('lost', { failover: true, servedBy: 'function-url' }));
      cloudFront.emit('request', cloudFrontRecord('hit'));
      jest.advanceTimersByTime(999);
      expect(out).toEqual([]);
      jest.advanceTimersByTime(1);
      expect(out).toEqual([['lost', undefined], ['hit', undefined]]);
    } finally {
      jest.useRealTimers();
    }
  });
});

describe('formatRequest', () => {
  test('a miss of "/" names the key stored, index.html; the hit that follows names the key it was served from', () => {
    const cloudFront = cloudFrontRecord('a', { rawUrl: '/', path: '/index.html', failover: true, servedBy: 'function-url', durationMs: 45 });
    const log = { key: 'index.html', outcome: 'stored', status: 200, originStatus: 200, originMs: 8, bytes: 1024 };
    expect(formatRequest({ cloudFront, invocation: invocationRecord('a', log), handlerLog: log, key: 'index.html' }))
      .toBe('MISS / → key index.html: origin 200 in 8 ms → stored (1.0 KiB, 45 ms)');
    expect(formatRequest({ cloudFront: cloudFrontRecord('b', { rawUrl: '/', path: '/index.html' }), key: 'index.html' }))
      .toBe('HIT  / → key index.html, from the bucket (1.0 KiB, 3 ms)');
  });

  test('what the origin did not have, what the bucket refused, and a path the handler rejected', () => {
    const notFound = { key: 'gone.html', outcome: 'not-found', status: 404, originStatus: 404, originMs: 6, bytes: 9 };
    expect(formatRequest({
      cloudFront: cloudFrontRecord('c', { rawUrl: '/gone.html', failover: true, servedBy: 'function-url', status: 404, durationMs: 17 }),
      handlerLog: notFound,
      key: 'gone.html',
    })).toBe('MISS /gone.html → key gone.html: origin 404 in 6 ms → not found, nothing stored (404, 17 ms)');
    expect(formatRequest({ cloudFront: cloudFrontRecord('d', { rawUrl: '/secret', status: 403 }), key: 'secret' }))
      .toBe('S3   /secret → key secret: the bucket answered 403 (3 ms)');
    const rejected = { path: '/%ZZ', outcome: 'rejected', status: 400, bytes: 0, error: 'invalid percent-encoding' };
    expect(formatRequest({ cloudFront: cloudFrontRecord('e', { rawUrl: '/%ZZ', failover: true, servedBy: 'function-url', status: 400 }), handlerLog: rejected }))
      .toBe('MISS /%ZZ → rejected: invalid percent-encoding, nothing stored (400, 3 ms)');
  });

  test('a single-flight waiter (x-mirror: waited) has a line of its own, never a MISS: no fetch, and what it answered with', () => {
    const waiter = (cfId: string, status: number, singleFlight: Record<string, unknown>) => {
      const log = { key: 'big.bin', outcome: 'waited', status, bytes: 0, singleFlight };
      const cloudFront = cloudFrontRecord(cfId, { rawUrl: '/big.bin', failover: true, servedBy: 'function-url', status, durationMs: 40 });
      return formatRequest({ cloudFront, invocation: invocationRecord(cfId, log), handlerLog: log, key: 'big.bin' });
    };
    expect(waiter('f', 200, { role: 'waiter', waitedMs: 31, holderOutcome: 'stored' }))
      .toBe('WAIT /big.bin → key big.bin: another request fetched it, answered from the bucket, no fetch (200, 1.0 KiB, 40 ms, 31 ms of it waiting)');
    expect(waiter('g', 404, { role: 'waiter', waitedMs: 12, holderOutcome: 'not-found' }))
      .toBe('WAIT /big.bin → key big.bin: another request\'s fetch ended not-found, answered with its verdict, no fetch (404, 1.0 KiB, 40 ms, 12 ms of it waiting)');
    expect(waiter('h', 302, { role: 'waiter', waitedMs: 30_000 }))
      .toBe('WAIT /big.bin → key big.bin: another request is still fetching it, answered with a redirect to try again, no fetch (302, 1.0 KiB, 40 ms, 30000 ms of it waiting)');
  });
});
