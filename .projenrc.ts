import { awscdk, javascript } from 'projen';

// esbuild logs warnings and errors only (its size line flags the 1.4 MB handler, which is expected). Lambda bundling options do not declare `logLevel`, but projen passes them on
// to the bundler whole (a spread is not checked for extra properties).
const quietBundle = { logLevel: javascript.BundleLogLevel.WARNING };

const project = new awscdk.AwsCdkConstructLibrary({
  name: 'cdk-mirror-origin',
  description:
    'Mirror back-to-origin on AWS: CloudFront serves from S3 and, on a miss, a Lambda function URL fetches the object from the old origin, stores it and answers.',
  author: 'cdk-mirror-origin maintainers',
  authorAddress: 'maintainers@cdk-mirror-origin.dev',
  repositoryUrl: 'https://github.com/cdk-mirror-origin/cdk-mirror-origin',
  license: 'Apache-2.0',
  keywords: ['awscdk', 'aws-cdk', 'cdk', 'cloudfront', 's3', 'lambda', 'mirror', 'origin-group', 'function-url', 'migration'],
  stability: 'experimental',

  defaultReleaseBranch: 'main',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  // 20.19: eslint-visitor-keys 5 (typescript-eslint) and yargs 18 (vega-lite) need it; npm ci warns EBADENGINE below.
  minNodeVersion: '20.19.0',
  // projen's default (^13) wants Node 22 and makes `npm ci` print 17 EBADENGINE warnings on Node 20; 12.x does the same job.
  bumpPackage: 'commit-and-tag-version@^12',

  cdkVersion: '2.276.0',
  jsiiVersion: '~6.0',
  constructsVersion: '10.5.1',

  publishToPypi: { distName: 'cdk-mirror-origin', module: 'cdk_mirror_origin' },
  publishToMaven: {
    mavenGroupId: 'io.github.cdk-mirror-origin',
    mavenArtifactId: 'cdk-mirror-origin',
    javaPackage: 'io.github.cdkmirrororigin',
  },
  publishToNuget: { packageId: 'CdkMirrorOrigin', dotNetNamespace: 'CdkMirrorOrigin' },
  publishToGo: { moduleName: 'github.com/cdk-mirror-origin/cdk-mirror-origin-go' },

  // `src/handler/mirror.lambda.ts` becomes `MirrorFunction` with a pinned runtime, so synth never depends on the region.
  lambdaAutoDiscover: true,
  lambdaOptions: {
    runtime: awscdk.LambdaRuntime.NODEJS_24_X,
    awsSdkConnectionReuse: false,
    // The SDK is bundled: the runtime's copy changes under us; the bundle pins the version the tests ran
    // (its cold-start cost is measured by `npx projen bench`).
    bundlingOptions: { externals: [], ...quietBundle },
  },

  tsconfigDevFile: 'tsconfig.dev.json',
  // The dev config covers src, test and the dev-only folders (local stack, benchmark, example app).
  tsconfigDev: { include: ['.projenrc.ts'] },

  eslintOptions: {
    dirs: ['src'],
    devdirs: ['test', 'local', 'bench', 'example', 'projenrc'],
    fileExtensions: ['.ts'],
    // One dev project covers every linted file, the loose .projenrc.ts included.
    projectService: false,
    tsconfigPath: './tsconfig.dev.json',
  },

  devDeps: [
    '@aws-sdk/client-dynamodb@^3',
    '@aws-sdk/client-s3@^3',
    // The jobs' run function creates the invalidations of what refresh changed (bundled, as the handler's S3 client).
    '@aws-sdk/client-cloudfront@^3',
    // The origin budget's brake (src/metrics/brake/): reserved concurrency, and the one-time schedule of its reset.
    '@aws-sdk/client-lambda@^3',
    '@aws-sdk/client-scheduler@^3',
    // The integ probe (test/integ/): starts a MirrorJobs run and reads its execution; reads the handler's metrics.
    '@aws-sdk/client-sfn@^3',
    '@aws-sdk/client-cloudwatch@^3',
    // The handler's EMF records (src/handler/metrics-log.ts): bundled into the handler and the jobs' item function.
    '@aws-lambda-powertools/metrics@^2',
    // Tests validate the handler's EMF records against a JSON schema of the EMF specification.
    'ajv@^8',
    '@types/aws-lambda@^8',
    // Assertions of the integration tests (test/*.integ.ts). 2.245.0-alpha.0 is the newest alpha on npm; its peer
    // range (aws-cdk-lib ^2.245.0) takes 2.276, so it is pinned exactly until a matching alpha appears.
    '@aws-cdk/integ-tests-alpha@2.245.0-alpha.0',
    'aws-cdk@~2.1148.1',
    'aws-sdk-client-mock@^4',
    'cdk-nag@^3',
    // The local stand-in for the lease table (DynamoDB) of single-flight.
    'dynalite@^4',
    's3rver@3.7.1',
    // The jobs' state machine definition is checked against the Amazon States Language (test/jobs/).
    'asl-validator@^4',
    // test/engines.test.ts checks every locked package's Node.js range against the stated minimum.
    'semver@^7',
    '@types/semver@^7',
    // The benchmark's chart (SVG, rendered headless).
    'vega@^6',
    'vega-lite@^6',
  ],

  jestOptions: {
    // Snapshots are compared, never silently rewritten (CI or not).
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    // The coverage table goes to coverage/coverage.txt (below), so a run ends with jest's summary.
    coverageText: false,
    jestConfig: {
      testTimeout: 60_000,
      // The AWS SDK's Node.js support notice, printed once per test file on Node 20, is turned off in tests only.
      setupFiles: ['<rootDir>/projenrc/jest-setup.ts'],
      // A function's bundle a test runs in its own process, as Lambda loads it: a source map (added by the transform, code
      // unchanged) credits what runs to the src/ files it came from. The local stack's containers are child processes:
      // jest counts nothing they run. The viewer-request function runs in a vm, never through jest.
      coveragePathIgnorePatterns: ['/node_modules/', '/assets/(?!.+\\.lambda/)'],
      transform: { '^.+/assets/.+\\.lambda/.+\\.js$': new javascript.Transform('<rootDir>/test/support/bundle-coverage-transform.js') },
    },
  },

  gitignore: ['/cdk.out/', '/example/cdk.out/', '*.tmp', '/.local/', '/.jsii.tabl.json'],
});

// Development-only folders stay out of the npm package, and so does the handler's jsii output: it ships bundled
// in assets/, and lib/handler would need the AWS SDK at run time (only the generated function class is used).
// The same for the jobs' functions and the origin budget's brake: their generated function classes (and the brake's
// configuration the construct writes) ship.
for (const path of [
  '/example/', '/.ci/', '/cdk.out/', '/local/', '/.local/', '/bench/', '/docs/',
  '/lib/handler/*', '!/lib/handler/mirror-function.*', '/lib/jobs/runtime/*', '!/lib/jobs/runtime/*-function.*',
  '/lib/metrics/brake/*', '!/lib/metrics/brake/brake-function.*', '!/lib/metrics/brake/environment.*',
]) {
  project.addPackageIgnore(path);
}

// The handler's imports are bundled into its asset, so devDependencies are right there.
project.eslint?.allowDevDeps('src/handler/**');
project.eslint?.allowDevDeps('src/jobs/runtime/**');
project.eslint?.allowDevDeps('src/metrics/brake/**');

// Imports point one way: the library stands alone, tests use the stand-ins in local/, nothing uses the tests.
project.eslint?.addRules({
  'import/no-restricted-paths': ['error', {
    zones: [
      { target: './src', from: ['./local', './bench', './test'], message: 'src/ is the library: it imports nothing from local/, bench/ or test/.' },
      {
        target: ['./local', './bench', './example', './projenrc', './.projenrc.ts'],
        from: './test',
        message: 'Only tests import from test/: move what others need to local/.',
      },
    ],
  }],
});
project.eslint?.addOverride({ files: ['src/**/*.ts'], rules: { 'import/no-cycle': 'error' } });

// The CloudFront Function of variantQueryStrings: one IIFE of src/variant, in syntax the cloudfront-js-2.0 runtime
// accepts (no shorthand properties, no for-of); src/variant/function-code.ts adds the list and `handler` at synth.
project.bundler.addBundle('src/variant/viewer-request.ts', {
  platform: 'neutral',
  target: 'es2020',
  format: 'iife',
  externals: [],
  watchTask: false,
  ...quietBundle,
  esbuildArgs: {
    '--global-name': 'cdkMirrorOriginVariant',
    '--supported:object-extensions': 'false',
    '--supported:for-of': 'false',
  },
});

// Every README and doc example must compile (jsii-rosetta strict mode, here and on Construct Hub).
project.package.file.addOverride('jsii.metadata', { jsii: { rosetta: { strict: true } } });

const bundle = project.tasks.tryFind('bundle')!;

// Tests load the bundled handler exactly as Lambda does, so bundle before testing.
project.testTask.prependSpawn(bundle);

// Lint before jest, so a test run ends with jest's summary (and a lint error stops it early).
const lintStep = project.testTask.steps.findIndex((step) => step.spawn === 'eslint');
if (lintStep > 1) {
  const [lint] = project.testTask.steps.slice(lintStep, lintStep + 1);
  project.testTask.removeStep(lintStep);
  project.testTask.insertStep(1, lint);
}
// The integ apps' snapshot checks (integ:<name>:assert, which projen adds after jest) run before jest too, so the last
// thing a test run prints is jest's summary.
const integAsserts = project.testTask.steps.filter((step) => /^integ:.+:assert$/.test(step.spawn ?? ''));
for (const step of integAsserts) project.testTask.removeStep(project.testTask.steps.indexOf(step));
project.testTask.insertStep(project.testTask.steps.findIndex((step) => step.execArgs?.[0] === 'jest'), ...integAsserts);
project.package.file.addToArray('jest.coverageReporters', ['text', { file: 'coverage.txt' }]);

// Node 20 is what this project supports and CI runs; jsii's end-of-life banner on it tells a user nothing to do.
project.tasks.addEnvironment('JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION', '20');
// npm 11.16+ lists dependencies whose install scripts nobody reviewed on every install, and npm 12 skips them: these
// three run on purpose (esbuild checks its binary; dynalite's LevelDB binding and jest's file watcher fall
// back to a native build when no prebuilt binary fits). npm before 11.16 ignores the field.
project.package.addField('allowScripts', { 'esbuild': true, 'classic-level': true, '@parcel/watcher': true });

// `compile` does not bundle, so `package` does, and every language's packaging (and `npm pack`) refuses to pack without the bundles:
// an npm package without assets/ synthesizes nowhere ("Cannot find asset").
const shippedBundles = [
  'assets/handler/mirror.lambda/index.js', 'assets/variant/viewer-request/index.js', 'assets/metrics/brake/brake.lambda/index.js',
  'assets/jobs/runtime/item.lambda/index.js', 'assets/jobs/runtime/run.lambda/index.js',
];
const requireBundles = `node -e "${[
  `const missing = ${JSON.stringify(shippedBundles).replace(/"/g, "'")}.filter((f) => !require('fs').existsSync(f));`,
  "if (missing.length) { console.error('The package would ship without ' + missing.join(' and ') + ': run npx projen bundle (npx projen build does it) first.'); process.exit(1); }",
].join(' ')}"`;
project.tasks.tryFind('package')!.prependSpawn(bundle);
for (const language of ['js', 'python', 'java', 'dotnet', 'go']) {
  project.tasks.tryFind(`package:${language}`)!.prependExec(requireBundles);
}
// npm's own `npm pack` (and a jsii-pacmak run outside projen, which calls it) goes through the same check.
project.package.setScript('prepack', requireBundles);

const local = project.addTask('local', {
  description: 'Run the whole mirror on this machine: a sample origin unless --endpoint URL is given',
});
local.spawn(bundle);
local.exec('ts-node --transpile-only local/main.ts', { receiveArgs: true });

const loadTest = project.addTask('load-test', {
  description: 'Load-test the local stack, then check every stored object against the origin',
});
loadTest.spawn(bundle);
loadTest.exec('ts-node --transpile-only local/load-test.ts', { receiveArgs: true });

const bench = project.addTask('bench', {
  description: 'This handler, the original design and the limit side by side: first byte, time to stored, peak RSS; writes bench/results.md and docs/benchmark.svg',
});
bench.spawn(bundle);
bench.exec('ts-node --transpile-only bench/main.ts', { receiveArgs: true });

const prewarm = project.addTask('prewarm', {
  description: 'Run a migration job over the local stack: --keys FILE [--format paths|keys|report] [--mode prewarm|coverage|refresh] [--concurrency N]',
});
prewarm.spawn(bundle);
prewarm.exec('ts-node --transpile-only local/jobs/main.ts', { receiveArgs: true });

const benchJobs = project.addTask('bench:jobs', {
  description: 'Local prewarm throughput (keys/s, MB/s) at several concurrencies beside a bare fetch-and-put loop; writes its table into bench/results.md',
});
benchJobs.spawn(bundle);
benchJobs.exec('ts-node --transpile-only bench/jobs.ts', { receiveArgs: true });

// Integration tests (docs/integration-tests.md): projen discovers test/<name>.integ.ts and makes integ:<name>:* tasks;
// they are pointed at test/integ/ tools: a snapshot check with asset hashes blanked and no machine paths, and a runner
// that reads each assertion's result and destroys the stacks whatever happened.
const tsNode = 'ts-node --transpile-only';
const integ = project.addTask('integ', {
  description: 'With AWS credentials: deploy every integ app, assert, destroy (prints the cost first); --only NAME, --dry-run, --destroy',
});
integ.spawn(bundle);
integ.exec(`${tsNode} test/integ/run.ts`, { receiveArgs: true });
for (const task of project.tasks.all) {
  const name = /^integ:(.+):assert$/.exec(task.name)?.[1];
  if (!name) continue;
  task.reset(`${tsNode} test/integ/snapshot.ts check ${name}`);
  task.description = `Check that a fresh synth of integ app '${name}' (cdk-nag included) equals its committed snapshot`;
  const snapshot = project.tasks.tryFind(`integ:${name}:snapshot`)!;
  snapshot.reset();
  snapshot.spawn(bundle);
  snapshot.exec(`${tsNode} test/integ/snapshot.ts update ${name}`);
  const deploy = project.tasks.tryFind(`integ:${name}:deploy`)!;
  deploy.reset();
  deploy.spawn(bundle);
  deploy.exec(`${tsNode} test/integ/run.ts --only ${name}`);
  deploy.description = `With AWS credentials: deploy integ app '${name}', assert, destroy`;
  const destroy = project.tasks.tryFind(`integ:${name}:destroy`)!;
  destroy.reset(`${tsNode} test/integ/run.ts --destroy --only ${name}`);
  destroy.description = `With AWS credentials: destroy the stacks of integ app '${name}' (left by an interrupted run)`;
  snapshot.description = `Write the snapshot of integ app '${name}' from a fresh synth`;
  // `cdk watch` would deploy and never destroy.
  project.removeTask(`integ:${name}:watch`);
}

project.synth();
