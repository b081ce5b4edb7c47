/**
 * The benchmark's chart: first byte at the viewer and peak RSS of the
 * function against object size, per design, as an SVG drawn by vega-lite
 * (headless, no canvas).
 */
import { Design, DESIGN_NAMES, figures, RunInfo, Sample } from './report';

const MiB = 1024 * 1024;
const DESIGNS: readonly Design[] = ['this', 'original', 'limit'];
const LEGEND: Readonly<Record<string, string>> = {
  this: DESIGN_NAMES.this,
  original: DESIGN_NAMES.original,
  limit: 'limit (direct GET; bare upload)',
};

/** The chart of `samples` as SVG text. */
export async function renderChart(samples: readonly Sample[], sizes: readonly number[], info: RunInfo): Promise<string> {
  // Both are ES modules with top-level await: a real dynamic import, which TypeScript keeps as such under node16.
  const vega = await import('vega');
  const vl = await import('vega-lite');
  const values: Array<{ design: string; sizeMiB: number; metric: string; value: number }> = [];
  for (const size of sizes) {
    for (const design of DESIGNS) {
      const row = figures(samples, design, size, info);
      if (row?.firstByteMs !== undefined) values.push({ design: LEGEND[design], sizeMiB: size / MiB, metric: 'firstByte', value: row.firstByteMs });
      if (row?.peakRssMiB !== undefined) values.push({ design: LEGEND[design], sizeMiB: size / MiB, metric: 'peakRss', value: row.peakRssMiB });
    }
  }
  const x = {
    field: 'sizeMiB',
    type: 'quantitative',
    title: 'object size (MiB, log scale)',
    scale: { type: 'log', base: 2 },
    axis: { values: sizes.map((s) => s / MiB), format: 'd' },
  };
  const color = {
    field: 'design',
    type: 'nominal',
    title: null,
    sort: DESIGNS.map((d) => LEGEND[d]),
    scale: { range: ['#1f77b4', '#d62728', '#7f7f7f'] },
    legend: { orient: 'bottom', labelLimit: 300 },
  };
  const panel = (metric: string, title: string, scale: Record<string, unknown>) => ({
    width: 320,
    height: 240,
    transform: [{ filter: `datum.metric === '${metric}'` }],
    mark: { type: 'line', point: true },
    encoding: { x, y: { field: 'value', type: 'quantitative', title, scale }, color },
  });
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: 'A miss, end to end through the local stand-ins',
      subtitle: `medians of ${info.runs} runs · ${info.cpus} CPUs · Node.js ${info.node} · bandwidth cap ${info.bandwidthCap ? 'on' : 'off'}`,
    },
    background: 'white',
    padding: 12,
    data: { values },
    hconcat: [
      panel('firstByte', 'first byte at the viewer (ms, log scale)', { type: 'log' }),
      panel('peakRss', 'peak RSS of the function (MiB)', { zero: true }),
    ],
  };
  const compiled = vl.compile(spec as Parameters<typeof vl.compile>[0]).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return `${svg}\n`;
}
