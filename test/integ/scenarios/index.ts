/**
 * Every integration test scenario. A scenario here needs its app, `test/<name>.integ.ts` (a test checks both
 * lists agree): see docs/integration-tests.md, "Adding a scenario".
 */
import { DEFAULT_MIRROR } from './default-mirror';
import { VARIANTS } from './variants';
import type { IntegScenario } from '../scenario';

export const SCENARIOS: readonly IntegScenario[] = [DEFAULT_MIRROR, VARIANTS];

/** The scenario of an app, by name. */
export function scenarioNamed(name: string): IntegScenario {
  const found = SCENARIOS.find((scenario) => scenario.name === name);
  if (!found) throw new Error(`no integration test scenario "${name}" (known: ${SCENARIOS.map((s) => s.name).join(', ')})`);
  return found;
}
