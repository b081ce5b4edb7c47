import { DEFAULTS, ENVIRONMENT_VARIABLES as NAMES, MirrorConfig, fromEnvironment, toEnvironment } from '../src/config';

const CONFIG: MirrorConfig = {
  bucketName: 'mirror-bucket',
  endpoint: 'https://old.example.com/assets',
  keyPrefix: 'mirror/',
  notFoundTtlSeconds: 30,
  forwardHeaders: ['accept-language'],
  originHeaders: { 'x-origin-token': 's3cret' },
  originResponseTimeoutMs: 5_000,
  originIdleTimeoutMs: 7_000,
  streamThresholdBytes: 1_048_576,
  maxObjectSizeBytes: 10_485_760,
  variantQueryStrings: ['x-oss-process'],
  mirrorName: 'Stack/Mirror/Default',
  leaseTableName: 'mirror-leases',
  leaseStaleMs: 3_000,
  leaseWaitMs: 2_000,
};

/** The message `fromEnvironment` throws for `env`, or undefined. */
function errorOf(env: Record<string, string | undefined>): string | undefined {
  try {
    fromEnvironment(env);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

describe('the handler reads back what the construct wrote', () => {
  test('every field survives toEnvironment then fromEnvironment', () => {
    expect(fromEnvironment(toEnvironment(CONFIG))).toEqual(CONFIG);
  });

  test('the lease table may be left out: single-flight is then off', () => {
    const env = toEnvironment(CONFIG);
    delete env[NAMES.leaseTableName];
    expect(fromEnvironment(env).leaseTableName).toBe('');
  });

  test('a stale-lease age or a wait past CloudFront\'s 60 s is refused', () => {
    expect(errorOf({ ...toEnvironment(CONFIG), [NAMES.leaseStaleMs]: '60000', [NAMES.leaseWaitMs]: '0' })).toContain(
      `${NAMES.leaseStaleMs} must be an integer from 1 to 59000, got "60000"`);
    expect(errorOf({ ...toEnvironment(CONFIG), [NAMES.leaseWaitMs]: '59001' })).toContain(`${NAMES.leaseWaitMs} must be an integer from 0 to 59000`);
  });

  test('the key prefix may be left out: it defaults to none', () => {
    const env = toEnvironment(CONFIG);
    delete env[NAMES.keyPrefix];
    expect(fromEnvironment(env).keyPrefix).toBe(DEFAULTS.keyPrefix);
  });

  test('header names are read in lower case', () => {
    const env = { ...toEnvironment(CONFIG), [NAMES.forwardHeaders]: '["Accept-Language"]', [NAMES.originHeaders]: '{"X-Token":"a"}' };
    const config = fromEnvironment(env);
    expect(config.forwardHeaders).toEqual(['accept-language']);
    expect(config.originHeaders).toEqual({ 'x-token': 'a' });
  });
});

// Props that were tokens at synth are only checked here, when the handler starts.
describe('a bad environment stops the handler with one error that lists every problem', () => {
  test('several problems, one line each', () => {
    const message = errorOf({
      ...toEnvironment(CONFIG),
      [NAMES.bucketName]: undefined,
      [NAMES.endpoint]: 'ftp://old.example.com',
      [NAMES.notFoundTtlSeconds]: '-1',
      [NAMES.forwardHeaders]: '"accept-language"',
    });
    expect(message?.split('\n')).toEqual([
      'Invalid cdk-mirror-origin configuration:',
      `- ${NAMES.bucketName} is not set`,
      expect.stringMatching(new RegExp(`^- ${NAMES.endpoint} must be an absolute http\\(s\\) URL`)),
      `- ${NAMES.forwardHeaders} must be a JSON array of strings`,
      `- ${NAMES.notFoundTtlSeconds} must be an integer from 0 to 31536000, got "-1"`,
    ]);
  });

  test.each<[string, Partial<Record<string, string>>, RegExp]>([
    ['a forwarded credential', { [NAMES.forwardHeaders]: '["Authorization"]' }, /MIRROR_FORWARD_HEADERS must not include "authorization": authorization, cookie and x-amz-\* are never forwarded/],
    ['a forwarded range', { [NAMES.forwardHeaders]: '["range"]' }, /MIRROR_FORWARD_HEADERS must not include "range": the origin could then answer with part of the object/],
    ['a forwarded condition', { [NAMES.forwardHeaders]: '["if-none-match"]' }, /MIRROR_FORWARD_HEADERS must not include "if-none-match"/],
    ['a static host', { [NAMES.originHeaders]: '{"Host":"other.example"}' }, /MIRROR_ORIGIN_HEADERS must not include "host": the handler always sends the endpoint's host/],
    ['a static header that is not a string', { [NAMES.originHeaders]: '{"x-a":1}' }, /MIRROR_ORIGIN_HEADERS header "x-a" must have a string value/],
    ['a static value with CR/LF', { [NAMES.originHeaders]: '{"x-a":"1\\r\\nx-b: 2"}' }, /MIRROR_ORIGIN_HEADERS header "x-a" must not contain CR, LF/],
    ['a key prefix without its slash', { [NAMES.keyPrefix]: 'mirror' }, /MIRROR_KEY_PREFIX /],
    ['a threshold over 200 MB', { [NAMES.streamThresholdBytes]: '200000001' }, /MIRROR_STREAM_THRESHOLD_BYTES must be an integer from 0 to 200000000/],
    ['a timeout that is not a number', { [NAMES.originResponseTimeoutMs]: 'soon' }, /MIRROR_ORIGIN_RESPONSE_TIMEOUT_MS must be an integer from 1 to 59000, got "soon"/],
    ['an empty number (Number() would read 0)', { [NAMES.originResponseTimeoutMs]: '' }, /MIRROR_ORIGIN_RESPONSE_TIMEOUT_MS must be an integer from 1 to 59000, got ""/],
    ['a number in hex', { [NAMES.streamThresholdBytes]: '0x10' }, /MIRROR_STREAM_THRESHOLD_BYTES must be an integer from 0 to 200000000, got "0x10"/],
    ['variant names twice', { [NAMES.variantQueryStrings]: '["v","v"]' }, /MIRROR_VARIANT_QUERY_STRINGS must not name "v" twice/],
    ['JSON that does not parse', { [NAMES.originHeaders]: '{' }, /MIRROR_ORIGIN_HEADERS must be JSON, got "\{"/],
  ])('%s', (_name, change, expected) => {
    expect(errorOf({ ...toEnvironment(CONFIG), ...change })).toMatch(expected);
  });
});
