/**
 * The mirror's promises, checked end to end through the local CloudFront.
 * Shared by the end-to-end tests (the real handler passes them) and the guard
 * tests (handlers that store truncated bodies or redirect before storing fail them).
 */
import { sendAndSettle, sha256 } from './helpers';
import { LocalOrigin, OriginRoute, patternBuffer, PatternBody } from '../../local/origin/server';
import { LocalMirror } from '../../local/stack';

/** The running stack and where the origin's content lives. */
export interface Setup {
  readonly mirror: LocalMirror;
  readonly origin: LocalOrigin;
  /** The endpoint's path at the origin (e.g. `/base`). */
  readonly originBase: string;
  /** The construct's keyPrefix (e.g. `mirror/`). */
  readonly keyPrefix: string;
}

/** How many requests the origin saw for `path` (under the endpoint's base). */
export function originCount(setup: Setup, path: string): number {
  return setup.origin.requests.filter((r) => r.url === `${setup.originBase}${path}`).length;
}

/** The stored object for viewer path `path` (the key S3 looks up: a raw `+` is a space), or undefined. */
export function storedObject(setup: Setup, path: string) {
  return setup.mirror.s3.getObject(setup.mirror.spec.bucketName, `${setup.keyPrefix}${decodeURIComponent(path.slice(1).replace(/\+/g, '%20'))}`);
}

/**
 * A first GET is a miss: the origin is fetched once, the viewer gets the
 * body, the stored object is byte-exact with its content type. The second GET
 * comes from the bucket and the origin is not asked again.
 */
export async function expectMissThenHit(setup: Setup, path: string, body: Buffer, contentType: string): Promise<void> {
  setup.origin.route(`${setup.originBase}${path}`, { body, headers: { 'content-type': contentType } });
  const before = originCount(setup, path);

  const first = await sendAndSettle(setup.mirror, path);
  expect(first.reply.status).toBe(200);
  expect(first.reply.complete).toBe(true);
  expect(sha256(first.reply.body)).toBe(sha256(body));
  expect(first.record.cloudFront.failover).toBe(true);
  expect(originCount(setup, path)).toBe(before + 1);

  const stored = await storedObject(setup, path);
  expect(stored).toBeDefined();
  expect(stored!.body.length).toBe(body.length);
  expect(sha256(stored!.body)).toBe(sha256(body));
  expect(stored!.contentType).toBe(contentType);

  const second = await sendAndSettle(setup.mirror, path);
  expect(second.record.cloudFront.failover).toBe(false);
  expect(second.record.cloudFront.servedBy).toBe('s3');
  expect(second.reply.status).toBe(200);
  expect(second.reply.headers['content-type']).toBe(contentType);
  expect(sha256(second.reply.body)).toBe(sha256(body));
  expect(originCount(setup, path)).toBe(before + 1);
}

/**
 * An object above the stream threshold: the viewer gets a 302 to the same
 * path, and when the 302 arrives the object is already complete in S3;
 * following it is served from the bucket, the origin fetched once.
 */
export async function expectLargeStoredBeforeRedirect(setup: Setup, path: string, pattern: PatternBody): Promise<void> {
  const route: OriginRoute = { body: pattern, headers: { 'content-type': 'application/octet-stream' } };
  setup.origin.route(`${setup.originBase}${path}`, route);
  const expected = sha256(patternBuffer(pattern));
  let atRedirect: { size?: number; sha?: string } | undefined;

  const first = await sendAndSettle(setup.mirror, path, {
    // What S3 holds at the very moment the redirect reaches the viewer (before its body is read).
    onHeaders: async () => {
      const stored = await storedObject(setup, path).catch(() => undefined);
      atRedirect = { size: stored?.body.length, sha: stored ? sha256(stored.body) : undefined };
    },
  });
  expect(first.reply.status).toBe(302);
  expect(first.reply.headers.location).toBe(path);
  expect(first.reply.headers['cache-control']).toMatch(/no-store/);
  expect(atRedirect).toEqual({ size: pattern.size, sha: expected });

  const second = await sendAndSettle(setup.mirror, first.reply.headers.location!);
  expect(second.record.cloudFront.servedBy).toBe('s3');
  expect(second.record.cloudFront.failover).toBe(false);
  expect(second.reply.status).toBe(200);
  expect(second.reply.body.length).toBe(pattern.size);
  expect(sha256(second.reply.body)).toBe(expected);
  expect(originCount(setup, path)).toBe(1);
}
