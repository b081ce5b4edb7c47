// Integration test app: variantQueryStrings (test/integ/scenarios/variants.ts). See docs/integration-tests.md.
import { integApp } from './integ/app';
import { VARIANTS } from './integ/scenarios/variants';

integApp(VARIANTS).synth();
