/**
 * Every integration test scenario, run on this machine: the same steps and expectations the integ apps assert
 * on AWS, with the same probe code, against the local stand-ins (s3rver, the bundled handler behind the local
 * function URL, the CloudFront stand-in) and the test origin's handler behind a local HTTP server. So an
 * expectation that cannot hold for the library as the stand-ins model it fails here, before anyone pays for a run.
 */
import { once } from 'node:events';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { handler as originHandler } from './origin-handler';
import { runStep } from './probe';
import { SCENARIOS } from './scenarios';
import { startLocalMirror } from '../../local/stack';
import { MirrorOriginDistribution } from '../../src';
import { synthesizeForTest } from '../local/helpers';

/** The test origin's Lambda handler behind a local HTTP server, fed function URL events (payload 2.0) as AWS does. */
async function startTestOrigin(): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://origin');
    void originHandler({
      rawPath: url.pathname,
      rawQueryString: url.search.slice(1),
      requestContext: { http: { method: req.method } },
    }).then((result) => {
      const body = Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8');
      // A buffered function URL sends the length of the whole answer.
      res.writeHead(result.statusCode, { ...result.headers, 'content-length': String(body.length) });
      res.end(req.method === 'HEAD' ? undefined : body);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

describe.each(SCENARIOS.map((scenario) => [scenario.name, scenario] as const))('integ scenario %s, run locally', (_, scenario) => {
  let origin: Awaited<ReturnType<typeof startTestOrigin>>;
  let synthesized: ReturnType<typeof synthesizeForTest>;
  let mirror: Awaited<ReturnType<typeof startLocalMirror>>;

  beforeAll(async () => {
    origin = await startTestOrigin();
    synthesized = synthesizeForTest((stack) => {
      const distribution = new MirrorOriginDistribution(stack, 'Mirror', { endpoint: origin.url, ...scenario.mirrorProps });
      scenario.extend?.(distribution);
    });
    mirror = await startLocalMirror({ spec: synthesized.spec });
  });

  afterAll(async () => {
    await mirror?.close();
    await origin?.close();
    synthesized?.dispose();
  });

  // In order: each step sees what the earlier ones did, as on AWS.
  test.each(scenario.steps.map((step) => [step.id, step] as const))('%s', async (_id, step) => {
    const observed = await runStep(step.probe, { baseUrl: mirror.viewerUrl, bucket: mirror.spec.bucketName, s3: mirror.s3.client });
    expect(observed).toMatchObject(step.expect);
  });
});
