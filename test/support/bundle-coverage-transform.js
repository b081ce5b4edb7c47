/**
 * Jest transform for the bundled handler (assets/handler/…/index.js), so that what the integration tests run
 * of the bundle counts for the src/ files it was built from. The code is passed on unchanged (tests still
 * run the bundle as Lambda loads it); only a source map is added. The map comes from building the same
 * bundle again (the bundle task's own arguments in .projen/tasks.json, plus --sourcemap=external, into a
 * temporary folder) and is used only if that build is byte-identical to the file; it keeps src/ sources
 * only, so the bundled AWS SDK is not reported. A bundle that src/ no longer builds (stale) is refused: its
 * tests would test old code, and its coverage would be credited to the wrong lines (or, unmapped, to itself).
 *
 * CommonJS on purpose: Jest loads transformers without transpiling them.
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..');
const SRC = path.join(ROOT, 'src') + path.sep;

/** The bundle task's esbuild arguments that write `bundleFile`, from projen's task list. */
function bundleArguments(bundleFile) {
  const tasks = JSON.parse(fs.readFileSync(path.join(ROOT, '.projen', 'tasks.json'), 'utf8')).tasks;
  const outfile = `--outfile=${path.relative(ROOT, bundleFile).split(path.sep).join('/')}`;
  for (const task of Object.values(tasks)) {
    for (const step of task.steps ?? []) {
      const args = step.execArgs;
      if (args?.[0] === 'esbuild' && args.includes(outfile) && !args.includes('--watch')) return args.slice(1);
    }
  }
  return undefined;
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function decodeSegment(text) {
  const values = [];
  let value = 0;
  let shift = 0;
  for (const char of text) {
    const digit = BASE64.indexOf(char);
    value += (digit & 31) << shift;
    if (digit & 32) {
      shift += 5;
    } else {
      values.push(value & 1 ? -(value >>> 1) : value >>> 1);
      value = 0;
      shift = 0;
    }
  }
  return values;
}

function encodeValue(value) {
  let rest = value < 0 ? (-value << 1) | 1 : value << 1;
  let out = '';
  do {
    let digit = rest & 31;
    rest >>>= 5;
    if (rest > 0) digit |= 32;
    out += BASE64[digit];
  } while (rest > 0);
  return out;
}

/**
 * `map` with only the sources `keep` accepts, as absolute paths. Code from the others stays in the map as
 * unmapped segments: dropping them would extend the previous segment over it, crediting src/ with SDK code.
 */
function keepSources(map, mapDir, keep) {
  const absolute = map.sources.map((source) => path.resolve(mapDir, map.sourceRoot ?? '', source));
  const newIndex = absolute.map(() => -1);
  const sources = [];
  const sourcesContent = [];
  absolute.forEach((file, index) => {
    if (!keep(file)) return;
    newIndex[index] = sources.length;
    sources.push(file);
    sourcesContent.push(map.sourcesContent?.[index] ?? null);
  });
  const state = [0, 0, 0, 0];
  const out = [0, 0, 0, 0];
  const lines = map.mappings.split(';').map((line) => {
    let column = 0;
    let outColumn = 0;
    return line.split(',').filter((text) => text !== '').map((text) => {
      const segment = decodeSegment(text);
      column += segment[0];
      const fields = [column];
      if (segment.length >= 4) {
        for (let i = 1; i < segment.length; i++) state[i - 1] += segment[i];
        const kept = newIndex[state[0]];
        if (kept >= 0) fields.push(kept, state[1], state[2], ...(segment.length === 5 ? [state[3]] : []));
      }
      const encoded = [encodeValue(fields[0] - outColumn)];
      outColumn = fields[0];
      for (let i = 1; i < fields.length; i++) {
        encoded.push(encodeValue(fields[i] - out[i - 1]));
        out[i - 1] = fields[i];
      }
      return encoded.join('');
    }).join(',');
  });
  return { version: 3, file: map.file, sources, sourcesContent, names: map.names, mappings: lines.join(';') };
}

module.exports = {
  keepSources,
  process(sourceText, sourcePath) {
    const args = bundleArguments(sourcePath);
    if (!args) throw new Error(`no bundle task in .projen/tasks.json writes ${path.relative(ROOT, sourcePath)}`);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bundle-coverage-'));
    try {
      const outfile = path.join(dir, 'index.js');
      const rebuild = args.filter((arg) => !/^--(outfile|sourcemap|log-level)\b/.test(arg));
      const esbuild = path.join(ROOT, 'node_modules', '.bin', 'esbuild');
      const built = spawnSync(esbuild, [...rebuild, `--outfile=${outfile}`, '--sourcemap=external', '--log-level=error'], { cwd: ROOT, encoding: 'utf8' });
      if (built.status !== 0) throw new Error(`rebuilding ${path.relative(ROOT, sourcePath)} with a source map failed:\n${built.stderr}`);
      if (fs.readFileSync(outfile, 'utf8') !== sourceText) {
        throw new Error(`${path.relative(ROOT, sourcePath)} is not what src/ builds today: run "npx projen bundle" (npx projen test does)`);
      }
      const map = JSON.parse(fs.readFileSync(`${outfile}.map`, 'utf8'));
      return { code: sourceText, map: keepSources(map, dir, (file) => file.startsWith(SRC)) };
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
};
