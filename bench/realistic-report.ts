/** The realistic-origin figures (bench/realistic.ts) as markdown: the herd's origin bytes, a warm miss's first byte. */
import type { RealisticResults } from './realistic';
import { median } from './report';

const MiB = 1024 * 1024;

function ms(value: number | undefined): string {
  if (value === undefined) return '–';
  return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(0)} ms`;
}

/** The section for bench/results.md and the terminal. */
export function renderRealistic(results: RealisticResults): string {
  const { roundTripMs, bytesPerSecond, herd, runs } = results.options;
  const lines = [
    `## Realistic origin: TLS, ${roundTripMs} ms round trip, ${(bytesPerSecond / 1e6).toFixed(0)} MB/s`,
    '',
    `The origin over https (a local CA the function trusts through \`NODE_EXTRA_CA_CERTS\`) behind a link that adds a ${roundTripMs} ms round trip ` +
    '(half each way; one more before a new connection\'s first byte, the TCP handshake; TLS 1.3 pays its own) and paces what the origin sends to ' +
    `${(bytesPerSecond / 1e6).toFixed(0)} MB/s shared by all connections. Origin requests and bytes are counted at the origin.`,
    '',
    `A herd: ${herd} viewers miss one object at once (warm containers, one per viewer).`,
    '',
    '| object | single-flight | origin requests | origin bytes per object | last viewer done | every viewer got the object |',
    '|---:|---|---:|---:|---:|:---:|',
  ];
  for (const row of results.herds) {
    lines.push(`| ${row.size / MiB} MiB | ${row.singleFlight ? 'on (ships)' : 'off'} | ${row.originRequests} | ${(row.originBytes / row.size).toFixed(2)}× | ` +
      `${ms(row.lastViewerMs)} | ${row.problems.length === 0 ? 'yes' : `**no**: ${row.problems[0]}`} |`);
  }
  lines.push(
    '',
    `A warm container's miss of a ${FIRST_BYTE_LABEL} object (streamed), after ${'three'} misses of other objects; medians of ${runs} runs.`,
    '',
    '| origin connection | first byte at the viewer | new origin connections per miss |',
    '|---|---:|---:|',
  );
  for (const row of results.firstBytes) {
    const name = row.design === 'kept' ? 'kept from earlier misses (ships)' : 'a new one per request (TCP + TLS each time)';
    const failed = row.problems.length > 0 ? ` (**${row.problems.length} failed**)` : '';
    lines.push(`| ${name} | ${ms(median(row.firstByteMs))}${failed} | ${median(row.newConnections) ?? '–'} |`);
  }
  const kept = median(results.firstBytes.find((r) => r.design === 'kept')?.firstByteMs ?? []);
  const fresh = median(results.firstBytes.find((r) => r.design === 'per-request')?.firstByteMs ?? []);
  if (kept !== undefined && fresh !== undefined) {
    lines.push('', `Keeping the connection saves ${ms(fresh - kept)} on a warm container's miss here (${(fresh - kept) / roundTripMs >= 0 ? ((fresh - kept) / roundTripMs).toFixed(1) : '–'} round trips: TCP and TLS setup).`);
  }
  lines.push('');
  return lines.join('\n');
}

const FIRST_BYTE_LABEL = '1 MiB';
