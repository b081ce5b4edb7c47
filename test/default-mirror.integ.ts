// Integration test app: the default mirror (test/integ/scenarios/default-mirror.ts). See docs/integration-tests.md.
import { integApp } from './integ/app';
import { DEFAULT_MIRROR } from './integ/scenarios/default-mirror';

integApp(DEFAULT_MIRROR).synth();
