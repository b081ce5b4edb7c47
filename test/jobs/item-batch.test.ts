/**
 * The item function's batches, from the source modules, against s3rver (strict: atomic, `If-None-Match` and
 * `If-Match` honoured) and a real local origin (304 for a conditional GET that still matches): each mode's outcomes,
 * the origin requests each makes, what is stored, and a refresh that loses a race to a concurrent write.
 */
import { createHash } from 'node:crypto';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { LocalOrigin, patternSha256, startOrigin } from '../../local/origin/server';
import { LocalS3, startS3 } from '../../local/s3/server';
import type { MirrorConfig } from '../../src/config';
import { nodeTransport, OriginTransport } from '../../src/handler/origin';
import type { ItemSource, JobBatch, JobMode } from '../../src/jobs/protocol';
import { ItemDependencies, JobLogLine, processBatch } from '../../src/jobs/runtime/item-batch';
import { handlerS3Client } from '../support/s3-client';
import { testConfig } from '../support/test-config';

const BUCKET = 'mirror';
let origin: LocalOrigin;
let s3: LocalS3;
let client: S3Client;

beforeAll(async () => {
  [origin, s3] = await Promise.all([startOrigin(), startS3({ buckets: [BUCKET], strict: true })]);
  client = handlerS3Client(s3);
});

afterAll(async () => {
  client.destroy();
  await Promise.all([origin.close(), s3.stop()]);
});

function config(overrides: Partial<MirrorConfig> = {}): MirrorConfig {
  return testConfig({ bucketName: BUCKET, endpoint: `${origin.url}/base`, keyPrefix: 'm/', ...overrides });
}

/** Runs one batch of `texts` (lines of a `source` manifest) in `mode`; resolves with the results and the log lines. */
async function run(mode: JobMode, source: ItemSource, texts: readonly string[], deps: Partial<ItemDependencies> = {}, remainingMs?: number) {
  const lines: JobLogLine[] = [];
  const batch: JobBatch = {
    BatchInput: { mode, source, stripPrefix: '' },
    Items: texts.map((text, i) => (source === 'listing' ? { Key: text } : { line: i + 1, text })),
  };
  const everything: ItemDependencies = {
    config: config(),
    jobs: { served: [{ patterns: [], defaultMine: true }], others: [] },
    s3: client,
    logger: (line) => void lines.push(line as JobLogLine),
    ...deps,
  };
  const results = await processBatch(everything, batch, remainingMs === undefined ? {} : { getRemainingTimeInMillis: () => remainingMs });
  return { results, lines };
}

function originRequests(path: string): number {
  return origin.requests.filter((r) => r.url === `/base${path}`).length;
}

function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

async function put(key: string, body: string, metadata: Record<string, string> = {}): Promise<void> {
  await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body, Metadata: metadata }));
}

describe('prewarm', () => {
  test('stores what is missing, skips what is there without an origin request, and reports every other answer', async () => {
    origin.route('/base/p/a.txt', { body: 'alpha', headers: { 'content-type': 'text/plain', 'etag': '"a1"' } });
    origin.route('/base/p/gone.txt', { status: 404, body: 'no' });
    origin.route('/base/p/broken.txt', { status: 500, body: 'boom' });
    const first = await run('prewarm', 'keys', ['p/a.txt', 'p/gone.txt', 'p/broken.txt', 'p/../x', 'p/\u0001bell']);
    expect(first.results).toEqual([
      { key: 'm/p/a.txt', outcome: 'stored', status: 200, bytes: 5 },
      { key: 'm/p/gone.txt', outcome: 'not-found', status: 404, bytes: 0 },
      { key: 'm/p/broken.txt', outcome: 'origin-error', status: 502, bytes: 0 },
      { input: 'p/../x', outcome: 'rejected', status: 400, bytes: 0, error: 'the path contains "." or ".." segments' },
      { input: 'p/\u0001bell', outcome: 'rejected', status: 400, bytes: 0, error: 'the path contains NUL or control characters' },
    ]);
    expect((await s3.getObject(BUCKET, 'm/p/a.txt'))?.body.toString()).toBe('alpha');
    expect(await s3.getObject(BUCKET, 'm/p/gone.txt')).toBeUndefined();
    expect(first.lines.map((l) => [l.job, l.method, l.outcome])).toEqual([
      ['prewarm', 'GET', 'stored'], ['prewarm', 'GET', 'not-found'], ['prewarm', 'GET', 'origin-error'], ['prewarm', 'GET', 'rejected'], ['prewarm', 'GET', 'rejected'],
    ]);
    expect(origin.requests.filter((r) => r.url.includes('x') && r.url.includes('..'))).toEqual([]);

    const second = await run('prewarm', 'keys', ['p/a.txt']);
    expect(second.results).toEqual([{ key: 'm/p/a.txt', outcome: 'present', bytes: 0 }]);
    expect(originRequests('/p/a.txt')).toBe(1);
  });

  test('a path manifest is decoded as a viewer\'s path; its query string is not part of the key', async () => {
    origin.route('/base/p/a%20b.txt', { body: 'spaced' });
    const { results } = await run('prewarm', 'paths', ['/p/a%20b.txt?utm_source=x', '/p/%ZZ', 'p/no-slash']);
    expect(results.map((r) => [r.key ?? r.input, r.outcome, r.status])).toEqual([
      ['m/p/a b.txt', 'stored', 200], ['/p/%ZZ', 'rejected', 400], ['p/no-slash', 'rejected', 400],
    ]);
    expect(origin.requests.filter((r) => r.url.startsWith('/base/p/a%20b.txt')).map((r) => r.url)).toEqual(['/base/p/a%20b.txt']);
  });

  test('a batch out of time reports each item it could not run as deadline and asks the origin nothing', async () => {
    const before = origin.requests.length;
    const { results } = await run('prewarm', 'keys', ['late/1', 'late/2', 'late/3'], {}, 0);
    expect(results.map((r) => r.outcome)).toEqual(['deadline', 'deadline', 'deadline']);
    expect(results.slice(1).map((r) => r.error)).toEqual(['not started: the batch ran out of time', 'not started: the batch ran out of time']);
    expect(origin.requests.length).toBe(before);
  });

  test('a batch that is not one is refused as a whole', async () => {
    await expect(processBatch({ config: config(), jobs: { served: [], others: [] }, s3: client }, { BatchInput: { mode: 'nap' }, Items: [] } as never))
      .rejects.toThrow(/not a job batch/);
  });
});

describe('an origin that stalls or sends too much', () => {
  test('timeout: no headers within originResponseTimeoutMs, or the body stalls past originIdleTimeoutMs; nothing stored', async () => {
    origin.route('/base/t/hang.bin', { body: 'never', fault: { kind: 'hang-before-headers' } });
    origin.route('/base/t/stall.bin', { body: 'x'.repeat(4096), fault: { kind: 'stall', afterBytes: 1024 } });
    const deps = { config: config({ originResponseTimeoutMs: 300, originIdleTimeoutMs: 300 }) };
    const { results } = await run('prewarm', 'keys', ['t/hang.bin', 't/stall.bin'], deps);
    expect(results.map((r) => [r.key, r.outcome, r.status])).toEqual([['m/t/hang.bin', 'timeout', 504], ['m/t/stall.bin', 'timeout', 504]]);
    expect(await s3.getObject(BUCKET, 'm/t/hang.bin')).toBeUndefined();
    expect(await s3.getObject(BUCKET, 'm/t/stall.bin')).toBeUndefined();
  });

  test('too-large: a declared or a counted body over maxObjectSizeBytes is refused; nothing stored', async () => {
    origin.route('/base/t/declared.bin', { body: 'y'.repeat(2000) });
    origin.route('/base/t/chunked.bin', { body: 'z'.repeat(2000), chunked: true });
    const { results } = await run('prewarm', 'keys', ['t/declared.bin', 't/chunked.bin'], { config: config({ maxObjectSizeBytes: 1000 }) });
    expect(results.map((r) => [r.key, r.outcome])).toEqual([['m/t/declared.bin', 'too-large'], ['m/t/chunked.bin', 'too-large']]);
    expect(results[0].error).toBe('Content-Length 2000 > 1000');
    expect(await s3.getObject(BUCKET, 'm/t/declared.bin')).toBeUndefined();
    expect(await s3.getObject(BUCKET, 'm/t/chunked.bin')).toBeUndefined();
  });
});

describe('coverage', () => {
  test('present or missing, without a single origin request', async () => {
    await put('m/c/there.txt', 'x');
    const before = origin.requests.length;
    const { results, lines } = await run('coverage', 'keys', ['c/there.txt', 'c/absent.txt', 'c/./bad']);
    expect(results.map((r) => [r.key ?? r.input, r.outcome, r.status])).toEqual([
      ['m/c/there.txt', 'present', undefined], ['m/c/absent.txt', 'missing', undefined], ['c/./bad', 'rejected', 400],
    ]);
    expect(lines.every((l) => l.method === 'HEAD')).toBe(true);
    expect(origin.requests.length).toBe(before);
  });
});

describe('refresh', () => {
  test('with validators: 304 unchanged with 0 body bytes, new bytes updated with their paths, 404 gone and kept, not stored missing', async () => {
    for (const name of ['same', 'changed', 'removed']) {
      origin.route(`/base/r/${name}.txt`, { body: `old ${name}`, headers: { 'etag': `"${name}-1"`, 'last-modified': 'Tue, 15 Nov 1994 12:45:26 GMT' } });
    }
    await run('prewarm', 'keys', ['r/same.txt', 'r/changed.txt', 'r/removed.txt']);
    origin.route('/base/r/changed.txt', { body: 'new bytes!', headers: { etag: '"changed-2"' } });
    origin.route('/base/r/removed.txt', { status: 410 });
    const { results } = await run('refresh', 'keys', ['r/same.txt', 'r/changed.txt', 'r/removed.txt', 'r/never.txt']);
    expect(results).toEqual([
      { key: 'm/r/same.txt', outcome: 'unchanged', status: 304, bytes: 0 },
      { key: 'm/r/changed.txt', outcome: 'updated', status: 200, bytes: 10, invalidate: ['/r/changed.txt'] },
      { key: 'm/r/removed.txt', outcome: 'gone', status: 410, bytes: 0 },
      { key: 'm/r/never.txt', outcome: 'missing', bytes: 0 },
    ]);
    const conditional = origin.requests.filter((r) => r.url === '/base/r/same.txt').pop()!;
    expect(conditional.headers).toMatchObject({ 'if-none-match': '"same-1"', 'if-modified-since': 'Tue, 15 Nov 1994 12:45:26 GMT' });
    const changed = await s3.getObject(BUCKET, 'm/r/changed.txt');
    expect([changed?.body.toString(), changed?.metadata['origin-etag']]).toEqual(['new bytes!', '"changed-2"']);
    expect((await s3.getObject(BUCKET, 'm/r/removed.txt'))?.body.toString()).toBe('old removed');
    expect(originRequests('/r/never.txt')).toBe(0);
  });

  test('without validators: the same bytes are unchanged and nothing is written; other bytes replace the copy', async () => {
    await put('m/n/same.bin', 'identical');
    await put('m/n/diff.bin', 'before');
    origin.route('/base/n/same.bin', { body: 'identical' });
    origin.route('/base/n/diff.bin', { body: 'after!' });
    const puts = () => s3.requests.filter((r) => r.method === 'PUT' && r.key.startsWith('m/n/')).length;
    const putsBefore = puts();
    const { results } = await run('refresh', 'keys', ['n/same.bin', 'n/diff.bin']);
    expect(results).toEqual([
      { key: 'm/n/same.bin', outcome: 'unchanged', status: 200, bytes: 9 },
      { key: 'm/n/diff.bin', outcome: 'updated', status: 200, bytes: 6, invalidate: ['/n/diff.bin'] },
    ]);
    expect(puts() - putsBefore).toBe(1);
    expect((await s3.getObject(BUCKET, 'm/n/diff.bin'))?.body.toString()).toBe('after!');
  });

  test('an origin that ignores conditional requests: a 200 with the stored validators never rewrites the copy', async () => {
    const lastModified = 'Tue, 15 Nov 1994 12:45:26 GMT';
    const routes = {
      strong: { body: 'strong etag body', headers: { 'etag': '"st-1"', 'last-modified': lastModified } },
      dated: { body: 'dated body', headers: { 'last-modified': lastModified } },
      weak: { body: 'weak etag body', headers: { etag: 'W/"wk-1"' } },
      redated: { body: 'redated body', headers: { 'last-modified': lastModified } },
    };
    for (const [name, route] of Object.entries(routes)) origin.route(`/base/i/${name}.txt`, { ...route, ignoreConditionals: true });
    await run('prewarm', 'keys', Object.keys(routes).map((name) => `i/${name}.txt`));
    // Same Last-Modified, other bytes: compared, and stored because they differ.
    origin.route('/base/i/redated.txt', { ...routes.redated, body: 'other bytes, same date', ignoreConditionals: true });
    const puts = () => s3.requests.filter((r) => r.method === 'PUT' && r.key.startsWith('m/i/')).length;
    const putsBefore = puts();
    const { results } = await run('refresh', 'keys', ['i/strong.txt', 'i/dated.txt', 'i/weak.txt', 'i/redated.txt']);
    expect(results).toEqual([
      // The same strong ETag is the same bytes: the body is dropped unread.
      { key: 'm/i/strong.txt', outcome: 'unchanged', status: 200, bytes: 0 },
      // Last-Modified alone, or a weak ETag, do not promise the same bytes: compared, nothing written.
      { key: 'm/i/dated.txt', outcome: 'unchanged', status: 200, bytes: 10 },
      { key: 'm/i/weak.txt', outcome: 'unchanged', status: 200, bytes: 14 },
      { key: 'm/i/redated.txt', outcome: 'updated', status: 200, bytes: 22, invalidate: ['/i/redated.txt'] },
    ]);
    // The origin really answered 200 with its body each time (it ignored the conditional headers it was sent).
    const last = origin.requests.filter((r) => r.url === '/base/i/strong.txt').pop()!;
    expect(last.headers['if-none-match']).toBe('"st-1"');
    expect(puts() - putsBefore).toBe(1);
    expect((await s3.getObject(BUCKET, 'm/i/strong.txt'))?.body.toString()).toBe('strong etag body');
    expect((await s3.getObject(BUCKET, 'm/i/redated.txt'))?.body.toString()).toBe('other bytes, same date');
  });

  test('a refresh that races a concurrent write loses cleanly: conflict, the concurrent bytes kept', async () => {
    origin.route('/base/race/x.txt', { body: 'v1', headers: { etag: '"x1"' } });
    await run('prewarm', 'keys', ['race/x.txt']);
    origin.route('/base/race/x.txt', { body: 'v2 from the origin', headers: { etag: '"x2"' } });
    // Another writer replaces the object after the job read its version, while the origin is being asked.
    const racing: OriginTransport = async (url, headers, timeoutMs, signal) => {
      await put('m/race/x.txt', 'written meanwhile');
      return nodeTransport(url, headers, timeoutMs, signal);
    };
    const { results } = await run('refresh', 'keys', ['race/x.txt'], { transport: racing });
    expect(results).toEqual([{ key: 'm/race/x.txt', outcome: 'conflict', status: 200, bytes: 18 }]);
    expect((await s3.getObject(BUCKET, 'm/race/x.txt'))?.body.toString()).toBe('written meanwhile');
  });

  test('above the multipart threshold: the new bytes replace the copy through CompleteMultipartUpload under If-Match; a concurrent write wins', async () => {
    const size = 12 * 1024 * 1024;
    origin.route('/base/big/a.bin', { body: { size, seed: 1 }, headers: { etag: '"big-1"' } });
    origin.route('/base/big/b.bin', { body: { size, seed: 1 }, headers: { etag: '"big-1"' } });
    await run('prewarm', 'keys', ['big/a.bin', 'big/b.bin']);
    origin.route('/base/big/a.bin', { body: { size, seed: 2 }, headers: { etag: '"big-2"' } });
    origin.route('/base/big/b.bin', { body: { size, seed: 2 }, headers: { etag: '"big-2"' } });
    const first = s3.requests.length;
    const { results } = await run('refresh', 'keys', ['big/a.bin']);
    expect(results).toEqual([{ key: 'm/big/a.bin', outcome: 'updated', status: 200, bytes: size, invalidate: ['/big/a.bin'] }]);
    expect(sha256((await s3.getObject(BUCKET, 'm/big/a.bin'))!.body)).toBe(await patternSha256({ size, seed: 2 }));
    const writes = s3.requests.slice(first).filter((r) => r.key === 'm/big/a.bin' && r.method !== 'HEAD' && r.method !== 'GET');
    // Parts, then one completion (a POST with the upload id); never a single PutObject.
    expect(writes.filter((r) => r.method === 'PUT').every((r) => r.query.includes('partNumber='))).toBe(true);
    expect(writes.filter((r) => r.method === 'POST' && r.query.startsWith('uploadId=')).map((r) => r.status)).toEqual([200]);

    // Another writer replaces b.bin while its new bytes are on their way: the completion's If-Match loses.
    const racing: OriginTransport = async (url, headers, timeoutMs, signal) => {
      await put('m/big/b.bin', 'written meanwhile');
      return nodeTransport(url, headers, timeoutMs, signal);
    };
    const second = s3.requests.length;
    const raced = await run('refresh', 'keys', ['big/b.bin'], { transport: racing });
    expect(raced.results).toEqual([{ key: 'm/big/b.bin', outcome: 'conflict', status: 200, bytes: size }]);
    expect((await s3.getObject(BUCKET, 'm/big/b.bin'))?.body.toString()).toBe('written meanwhile');
    const completions = s3.requests.slice(second).filter((r) => r.key === 'm/big/b.bin' && r.method === 'POST' && r.query.startsWith('uploadId='));
    expect(completions.map((r) => r.status)).toEqual([412]);
  });

  test('the bucket\'s own listing: only the keys this mirror serves, under its prefix', async () => {
    origin.route('/base/mine/k.txt', { body: 'k', headers: { etag: '"k"' } });
    await run('prewarm', 'keys', ['mine/k.txt']);
    const served = [{ patterns: [{ pattern: '/legacy/*', mine: false }], defaultMine: true }];
    const { results } = await run('refresh', 'listing', ['m/mine/k.txt', 'm/legacy/other.txt', 'elsewhere/z.txt'], { jobs: { served, others: [] } });
    expect(results).toEqual([{ key: 'm/mine/k.txt', outcome: 'unchanged', status: 304, bytes: 0 }]);
  });

  test('a shared bucket\'s listing: another mirror\'s key under its own keyPrefix is never fetched nor touched, even where this mirror serves its path', async () => {
    // The default mirror (keyPrefix 'm/') serves `/m/l/legacy/a.png`; the `/legacy/*` mirror with keyPrefix 'm/l/' stores `/legacy/a.png` there.
    await put('m/l/legacy/a.png', 'the legacy mirror\'s bytes', { 'origin-etag': '"legacy"' });
    origin.route('/base/l/legacy/a.png', { body: 'the default origin\'s bytes', headers: { etag: '"default"' } });
    const jobs = {
      served: [{ patterns: [{ pattern: '/legacy/*', mine: false }], defaultMine: true }],
      others: [{ keyPrefix: 'm/l/', variantQueryStrings: [], served: [{ patterns: [{ pattern: '/legacy/*', mine: true }], defaultMine: false }] }],
    };
    const alone = await run('refresh', 'listing', ['m/l/legacy/a.png'], { jobs: { ...jobs, others: [] } });
    // Without the other mirror's key space the key looks like this mirror's: the check can fail.
    expect(alone.results.map((r) => r.key)).toEqual(['m/l/legacy/a.png']);
    await put('m/l/legacy/a.png', 'the legacy mirror\'s bytes', { 'origin-etag': '"legacy"' });
    const before = originRequests('/l/legacy/a.png');
    const { results, lines } = await run('refresh', 'listing', ['m/l/legacy/a.png'], { jobs });
    expect([results, lines]).toEqual([[], []]);
    expect(originRequests('/l/legacy/a.png')).toBe(before);
    expect((await s3.getObject(BUCKET, 'm/l/legacy/a.png'))?.body.toString()).toBe('the legacy mirror\'s bytes');
  });

  test('a variant: its key from the viewer\'s query, the viewer\'s URI and the function\'s rewritten URI invalidated', async () => {
    const variants = config({ variantQueryStrings: ['x-oss-process'] });
    origin.route('/base/v/a.jpg?x-oss-process=image/resize,w_10', { body: 'small', headers: { etag: '"s1"' } });
    const deps = { config: variants };
    const first = await run('prewarm', 'paths', ['/v/a.jpg?utm=1&x-oss-process=image%2Fresize%2Cw_10'], deps);
    expect(first.results).toEqual([{ key: 'm/v/a.jpg?x-oss-process=image/resize,w_10', outcome: 'stored', status: 200, bytes: 5 }]);
    origin.route('/base/v/a.jpg?x-oss-process=image/resize,w_10', { body: 'smaller', headers: { etag: '"s2"' } });
    const { results } = await run('refresh', 'report', ['m/v/a.jpg?x-oss-process=image/resize,w_10'], deps);
    expect(results).toEqual([{
      key: 'm/v/a.jpg?x-oss-process=image/resize,w_10',
      outcome: 'updated',
      status: 200,
      bytes: 7,
      invalidate: ['/v/a.jpg?x-oss-process=image/resize,w_10', '/v/a.jpg%3Fx-oss-process%3Dimage%2Fresize%2Cw_10'],
    }]);
    expect(sha256((await s3.getObject(BUCKET, 'm/v/a.jpg?x-oss-process=image/resize,w_10'))!.body)).toBe(sha256('smaller'));
  });
});
