/** The jobs functions' settings: what the construct serialises reads back whole; every bad value is named at once. */
import { itemConfigFromEnvironment, itemEnvironment, JOBS_ENVIRONMENT_VARIABLES, runConfigFromEnvironment, runEnvironment } from '../../src/jobs/config';

test('the item and run functions read back what the construct wrote', () => {
  const served = [{ patterns: [{ pattern: '/legacy/*', mine: true }], defaultMine: false }];
  const others = [{ keyPrefix: 'l/', variantQueryStrings: ['v'], served }];
  expect(itemConfigFromEnvironment(itemEnvironment(JSON.stringify(served), JSON.stringify(others)))).toEqual({ served, others });
  const distributions = [{ id: 'E1', wildcards: ['/legacy/*'] }];
  const env = runEnvironment({ reportsBucket: 'r', reportsPrefix: 'jobs/', manifestBucket: 'm' }, JSON.stringify(distributions));
  expect(runConfigFromEnvironment(env)).toEqual({ reportsBucket: 'r', reportsPrefix: 'jobs/', manifestBucket: 'm', distributions });
  expect(runConfigFromEnvironment({ ...env, [JOBS_ENVIRONMENT_VARIABLES.reportsPrefix]: '' }).reportsPrefix).toBe('');
});

test('one error lists every problem', () => {
  expect(() => itemConfigFromEnvironment({})).toThrow(/JOBS_SERVED_ROUTES is not set\n- JOBS_OTHER_MIRRORS is not set/);
  expect(() => itemConfigFromEnvironment({ JOBS_SERVED_ROUTES: '[]', JOBS_OTHER_MIRRORS: '[{"keyPrefix":1}]' })).toThrow(/JOBS_OTHER_MIRRORS must be a JSON array of key spaces/);
  expect(() => itemConfigFromEnvironment({ JOBS_SERVED_ROUTES: '[{"patterns":"x"}]', JOBS_OTHER_MIRRORS: '[]' })).toThrow(/JOBS_SERVED_ROUTES must be a JSON array of routes/);
  let message = '';
  try {
    runConfigFromEnvironment({ JOBS_REPORTS_BUCKET: '', JOBS_REPORTS_PREFIX: 'jobs', JOBS_DISTRIBUTIONS: 'not json' });
  } catch (err) {
    message = (err as Error).message;
  }
  expect(message.split('\n')).toEqual([
    'Invalid cdk-mirror-origin jobs configuration:',
    '- JOBS_REPORTS_BUCKET is not set',
    '- JOBS_REPORTS_PREFIX must be empty or end with "/", got "jobs"',
    '- JOBS_MANIFEST_BUCKET is not set',
    '- JOBS_DISTRIBUTIONS must be a JSON array of distributions ({id, wildcards}), got "not json"',
  ]);
});
