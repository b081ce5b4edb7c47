/** What `npx projen prewarm` prints: a progress line while it runs, then the summary, each outcome with its count. */
import type { JobProgress } from './runner';
import type { JobMode, JobSummary } from '../../src/jobs/protocol';

/** One line, rewritten after each batch. */
export function formatProgress(mode: JobMode, p: JobProgress): string {
  const seconds = p.elapsedMs / 1000;
  const counts = Object.entries(p.outcomes).map(([outcome, n]) => `${outcome} ${n}`);
  const rate = `${(p.done / Math.max(seconds, 0.001)).toFixed(0)} keys/s`;
  return [`${mode}: ${p.done}/${p.total} items`, ...counts, `${(p.bytes / 1e6).toFixed(1)} MB from the origin`, rate].join(' · ');
}

/** The run's summary, one outcome a line, and where its files are. */
export function formatSummary(summary: JobSummary, files?: { readonly summary: string; readonly failures: string }): string {
  const width = Math.max(...Object.keys(summary.outcomes).map((o) => o.length), 7);
  const lines = [
    `${summary.mode} ${summary.run}: ${summary.items} items in ${(summary.durationMs / 1000).toFixed(1)} s, ${summary.bytesFromOrigin} bytes from the origin`,
    ...Object.entries(summary.outcomes).sort(([a], [b]) => a.localeCompare(b)).map(([outcome, n]) => `  ${outcome.padEnd(width)}  ${n}`),
  ];
  if (summary.failedBatches > 0) lines.push(`  ${summary.failedBatches} batches failed as a whole (their items are in the CSV as internal-error)`);
  if (summary.changedPaths > 0) lines.push(`  ${summary.changedPaths} viewer paths changed (in AWS they are invalidated; the local stack has no cache)`);
  if (summary.error) lines.push(`  the run failed: ${summary.error}`);
  if (files) lines.push(`summary: ${files.summary}`, `keys that need more (feed back with --format report): ${files.failures}`);
  return lines.join('\n');
}
