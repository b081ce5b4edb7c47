/** The handler's configuration for tests, built from the defaults the construct documents, so that no test restates them. */
import { DEFAULTS, MirrorConfig } from '../../src/config';

/**
 * `DEFAULTS` (src/config.ts), a bucket named `mirror`, the endpoint `https://origin.example`, no forwarded or
 * static headers and no variant parameters, then `overrides`: a test names only what it is about.
 */
export function testConfig(overrides: Partial<MirrorConfig> = {}): MirrorConfig {
  return {
    ...DEFAULTS,
    bucketName: 'mirror',
    endpoint: 'https://origin.example',
    forwardHeaders: [],
    originHeaders: {},
    variantQueryStrings: [],
    mirrorName: 'Stack/Mirror/Default',
    ...overrides,
  };
}
