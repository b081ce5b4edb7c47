/** The tests' configuration helper: the documented defaults, a configuration the handler accepts, overrides applied. */
import { DEFAULTS, fromEnvironment, toEnvironment } from '../src/config';
import { testConfig } from './support/test-config';

test('testConfig() is DEFAULTS with a bucket and an endpoint, and the handler reads it back unchanged', () => {
  const config = testConfig();
  expect(config).toMatchObject(DEFAULTS);
  expect(config).toEqual({
    ...DEFAULTS,
    bucketName: 'mirror',
    endpoint: 'https://origin.example',
    forwardHeaders: [],
    originHeaders: {},
    variantQueryStrings: [],
    mirrorName: 'Stack/Mirror/Default',
  });
  expect(fromEnvironment(toEnvironment(config))).toEqual(config);
});

test('overrides replace only what they name', () => {
  const config = testConfig({ keyPrefix: 'm/', streamThresholdBytes: 1 });
  expect(config).toEqual({ ...testConfig(), keyPrefix: 'm/', streamThresholdBytes: 1 });
  expect(config.notFoundTtlSeconds).toBe(DEFAULTS.notFoundTtlSeconds);
});
