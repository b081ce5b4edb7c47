import { badGateway, gatewayTimeout, rejected, verdictForOriginStatus } from '../../src/handler/status';

describe("DESIGN.md's status table", () => {
  test('200 is mirrored', () => {
    expect(verdictForOriginStatus(200, 10)).toEqual({ mirror: true });
  });

  test.each([404, 410])('%i is passed with the not-found TTL', (status) => {
    expect(verdictForOriginStatus(status, 17)).toMatchObject({ mirror: false, status, cacheControl: 'public, max-age=17', outcome: 'not-found' });
  });

  test.each([201, 202, 203, 204, 206, 300, 301, 302, 304, 307, 308])('other 2xx and unfollowed 3xx (%i) → 502 no-store', (status) => {
    expect(verdictForOriginStatus(status, 10)).toMatchObject({ mirror: false, status: 502, cacheControl: 'no-store', outcome: 'origin-error' });
  });

  test('a 304 answering the stored copy\'s validators is its own verdict: unchanged, nothing mirrored', () => {
    expect(verdictForOriginStatus(304, 10, true)).toMatchObject({ mirror: false, status: 304, cacheControl: 'no-store', outcome: 'unchanged' });
    expect(verdictForOriginStatus(200, 10, true)).toEqual({ mirror: true });
  });

  test.each([400, 401, 403, 405, 416, 429, 451])('other 4xx (%i) is passed, no-store', (status) => {
    expect(verdictForOriginStatus(status, 10)).toMatchObject({ mirror: false, status, cacheControl: 'no-store', outcome: 'origin-client-error' });
  });

  test.each([500, 502, 503, 504, 599, 100, 699])('5xx and anything else (%i) → 502 no-store', (status) => {
    expect(verdictForOriginStatus(status, 10)).toMatchObject({ mirror: false, status: 502, cacheControl: 'no-store', outcome: 'origin-error' });
  });

  test('failures: 502, timeout 504, rejected paths 400/414, all no-store', () => {
    expect(badGateway('store-error', 'x')).toMatchObject({ status: 502, cacheControl: 'no-store', outcome: 'store-error' });
    expect(gatewayTimeout('x')).toMatchObject({ status: 504, cacheControl: 'no-store', outcome: 'timeout' });
    expect(rejected(414, 'x')).toMatchObject({ status: 414, cacheControl: 'no-store', outcome: 'rejected' });
  });
});
