/** A lease holder's progress (src/handler/progress.ts): what counts as progress for its heartbeat. */
import { HolderProgress } from '../../src/handler/progress';

test('bytes moved since the last beat are progress; none are not', () => {
  const progress = new HolderProgress(() => 0);
  expect(progress.advanced()).toBe(false);
  progress.moved(100);
  expect(progress.advanced()).toBe(true);
  expect(progress.advanced()).toBe(false);
  progress.moved(1);
  expect(progress.advanced()).toBe(true);
});

test('waiting for the origin\'s answer is progress within its timeout only, and ends with the answer', () => {
  let now = 1_000;
  const progress = new HolderProgress(() => now);
  progress.waitForOrigin(10_000);
  now += 10_000;
  expect(progress.advanced()).toBe(true);
  now += 1;
  expect(progress.advanced()).toBe(false);
  // A redirect starts a new wait, with its own timeout.
  progress.waitForOrigin(10_000);
  expect(progress.advanced()).toBe(true);
  progress.originAnswered();
  expect(progress.advanced()).toBe(false);
});
