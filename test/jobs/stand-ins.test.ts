/**
 * What the jobs need of the stand-ins: the S3 stand-in honours `If-Match` on PutObject and CompleteMultipartUpload
 * (412 when the key holds another version, 404 NoSuchKey when it holds none, the stored bytes untouched either
 * way), and the origin stand-in answers a conditional GET that still matches with 304 and no body.
 */
import * as http from 'node:http';
import { CompleteMultipartUploadCommand, CreateMultipartUploadCommand, HeadObjectCommand, PutObjectCommand, UploadPartCommand } from '@aws-sdk/client-s3';
import { LocalOrigin, startOrigin } from '../../local/origin/server';
import { LocalS3, startS3 } from '../../local/s3/server';

const BUCKET = 'b';
let s3: LocalS3;
let origin: LocalOrigin;

beforeAll(async () => {
  [s3, origin] = await Promise.all([startS3({ buckets: [BUCKET], strict: true }), startOrigin()]);
});

afterAll(async () => {
  await Promise.all([s3.stop(), origin.close()]);
});

const put = (key: string, body: string, ifMatch?: string) =>
  s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body, IfMatch: ifMatch }));
const statusOf = (err: unknown) => (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;

describe('S3 stand-in: If-Match', () => {
  test('PutObject replaces only the version named; another version is 412, no version 404; the bytes stay', async () => {
    const first = await put('k', 'one');
    await put('k', 'two', first.ETag);
    expect((await s3.getObject(BUCKET, 'k'))?.body.toString()).toBe('two');
    const refused = await put('k', 'three', first.ETag).catch((err) => err);
    expect([statusOf(refused), refused.name]).toEqual([412, 'PreconditionFailed']);
    const missing = await put('nothing-here', 'x', first.ETag).catch((err) => err);
    expect([statusOf(missing), missing.name]).toEqual([404, 'NoSuchKey']);
    expect((await s3.getObject(BUCKET, 'k'))?.body.toString()).toBe('two');
    expect(await s3.getObject(BUCKET, 'nothing-here')).toBeUndefined();
  });

  test('CompleteMultipartUpload under If-Match: committed for the version named, refused for another', async () => {
    const etag = (await put('mp', 'before')).ETag!;
    const upload = async (ifMatch: string) => {
      const { UploadId } = await s3.client.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'mp' }));
      const part = await s3.client.send(new UploadPartCommand({ Bucket: BUCKET, Key: 'mp', UploadId, PartNumber: 1, Body: `after ${ifMatch}` }));
      return s3.client.send(new CompleteMultipartUploadCommand({
        Bucket: BUCKET, Key: 'mp', UploadId, IfMatch: ifMatch, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
      }));
    };
    await upload(etag);
    const now = await s3.client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'mp' }));
    expect((await s3.getObject(BUCKET, 'mp'))?.body.toString()).toBe(`after ${etag}`);
    const refused = await upload(etag).catch((err) => err);
    expect(statusOf(refused)).toBe(412);
    expect((await s3.client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'mp' }))).ETag).toBe(now.ETag);
  });
});

describe('origin stand-in: conditional GET', () => {
  /** GET `target` with `headers`: status, headers and body. */
  function get(target: string, headers: Record<string, string>): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
    return new Promise((resolve, reject) => {
      http.get(`${origin.url}${target}`, { headers }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      }).on('error', reject);
    });
  }

  test('304 for a matching If-None-Match (weak or strong) or an If-Modified-Since not before Last-Modified; 200 otherwise', async () => {
    origin.route('/v', { body: 'hello', headers: { 'etag': '"e1"', 'last-modified': 'Tue, 15 Nov 1994 12:45:26 GMT' } });
    const cases: Array<[Record<string, string>, number]> = [
      [{ 'if-none-match': '"e1"' }, 304],
      [{ 'if-none-match': 'W/"e0", W/"e1"' }, 304],
      [{ 'if-none-match': '"e2"' }, 200],
      [{ 'if-none-match': '"e2"', 'if-modified-since': 'Wed, 16 Nov 1994 00:00:00 GMT' }, 200],
      [{ 'if-modified-since': 'Tue, 15 Nov 1994 12:45:26 GMT' }, 304],
      [{ 'if-modified-since': 'Mon, 14 Nov 1994 00:00:00 GMT' }, 200],
      [{}, 200],
    ];
    for (const [headers, status] of cases) {
      const answer = await get('/v', headers);
      expect([JSON.stringify(headers), answer.status, answer.body]).toEqual([JSON.stringify(headers), status, status === 304 ? '' : 'hello']);
      if (status === 304) expect(answer.headers.etag).toBe('"e1"');
    }
  });

  test('a route that is not a 200 never answers 304', async () => {
    origin.route('/missing', { status: 404, body: 'no', headers: { etag: '"x"' } });
    expect((await get('/missing', { 'if-none-match': '"x"' })).status).toBe(404);
  });
});
