/** Self-tests of the Lambda runtime stand-in: it must fail where the real runtime fails. */
import { once } from 'node:events';
import { PassThrough, Writable } from 'node:stream';
import * as vm from 'node:vm';
import {
  DELIMITER_LEN,
  installAwsLambdaGlobals,
  invokeInProcess,
  METADATA_PRELUDE_CONTENT_TYPE,
  ResponseStream,
  runStreamingInvocation,
  StreamingHandler,
  UNHANDLED_REJECTION,
} from '../../local/lambda/runtime';

type Body = (stream: Writable) => Promise<void>;

function streaming(body: Body): StreamingHandler {
  installAwsLambdaGlobals();
  return awslambda.streamifyResponse(async (_event, stream) => body(stream)) as unknown as StreamingHandler;
}

async function read(body: NodeJS.ReadableStream): Promise<{ text: string; error?: Error }> {
  let text = '';
  try {
    for await (const chunk of body) text += chunk.toString();
    return { text };
  } catch (err) {
    return { text, error: err as Error };
  }
}

async function rawBytes(handler: StreamingHandler): Promise<{ raw: Buffer; contentType: string; error?: unknown }> {
  const sink = new PassThrough();
  const stream = new ResponseStream(sink);
  const chunks: Buffer[] = [];
  sink.on('data', (chunk) => chunks.push(chunk));
  await runStreamingInvocation(handler, {}, stream);
  return { raw: Buffer.concat(chunks), contentType: stream.contentType, error: stream.error };
}

describe('the lambda runtime stand-in', () => {
  test('the prelude and 8 NUL bytes go out on the first write() only', async () => {
    const handler = streaming(async (stream) => {
      awslambda.HttpResponseStream.from(stream, { statusCode: 201, headers: { 'x-a': '1' } });
      stream.write('ab');
      stream.write('cd');
      stream.end();
    });
    const { raw, contentType, error } = await rawBytes(handler);
    expect(error).toBeUndefined();
    expect(contentType).toBe(METADATA_PRELUDE_CONTENT_TYPE);
    const prelude = JSON.stringify({ statusCode: 201, headers: { 'x-a': '1' } });
    expect(raw.toString('latin1')).toBe(prelude + '\0'.repeat(DELIMITER_LEN) + 'abcd');

    const response = await invokeInProcess(handler, {});
    expect(response.statusCode).toBe(201);
    expect(response.headers).toEqual({ 'x-a': '1' });
    expect(await read(response.body)).toEqual({ text: 'abcd' });
  });

  test('a stream that ended leaves what its sink still holds to the reader, however late it reads', async () => {
    const sink = new PassThrough();
    const stream = new ResponseStream(sink);
    stream.end('abc');
    // The stream destroys itself once finished (autoDestroy); the body's end must not go with it.
    await once(stream, 'close');
    expect(sink.destroyed).toBe(false);
    expect(await read(sink)).toEqual({ text: 'abc' });
  });

  test('end(chunk) without a write() sends no prelude: the status and headers are lost', async () => {
    const handler = streaming(async (stream) => {
      awslambda.HttpResponseStream.from(stream, { statusCode: 404, headers: { 'x-a': '1' } });
      stream.end('not found');
    });
    const { raw } = await rawBytes(handler);
    expect(raw.toString()).toBe('not found');
    const response = await invokeInProcess(handler, {});
    expect(response.statusCode).toBe(200);
    expect(response.headers['x-a']).toBeUndefined();
    expect(await read(response.body)).toEqual({ text: 'not found' });
  });

  test('a rejected handler fails the invocation with error trailers and an error for the viewer', async () => {
    const handler = streaming(async (stream) => {
      awslambda.HttpResponseStream.from(stream, { statusCode: 200, headers: {} });
      stream.write('partial');
      throw new TypeError('boom');
    });
    const response = await invokeInProcess(handler, {});
    const body = await read(response.body);
    expect(body.text).toBe('partial');
    expect(body.error?.message).toMatch(/invocation failed: TypeError: boom/);
    expect(await response.done).toEqual({ errorType: 'TypeError', errorMessage: 'boom' });
  });

  test('a handler that resolves before ending the stream fails with "Response stream is not finished."', async () => {
    const handler = streaming(async (stream) => {
      awslambda.HttpResponseStream.from(stream, { statusCode: 200, headers: {} });
      stream.write('never ended');
    });
    const response = await invokeInProcess(handler, {});
    // What was written arrives; the body then breaks with the failure, never ending cleanly.
    const body = await read(response.body);
    expect(body.text).toBe('never ended');
    expect(body.error?.message).toBe('invocation failed: Error: Response stream is not finished.');
    expect(await response.done).toEqual({ errorType: 'Error', errorMessage: 'Response stream is not finished.' });
  });

  test('a stream the handler destroys with an error breaks the body and is a crash, as on the runtime', async () => {
    const handler = streaming(async (stream) => {
      awslambda.HttpResponseStream.from(stream, { statusCode: 200, headers: {} });
      stream.write('some');
      stream.on('error', () => undefined);
      stream.destroy(new Error('origin cut'));
    });
    const response = await invokeInProcess(handler, {});
    expect(response.statusCode).toBe(200);
    const body = await read(response.body);
    // Bytes still buffered when the stream breaks may be lost, as on a reset connection; the end never comes.
    expect('some'.startsWith(body.text)).toBe(true);
    // The body breaks with the stream's own error: the viewer sees a cut, never an end.
    expect(body.error?.message).toBe('origin cut');
    // The runtime's stream rejects a promise nothing awaits; the runtime exits the process on that rejection.
    expect(await response.done).toEqual({ errorType: UNHANDLED_REJECTION, errorMessage: 'the handler destroyed its response stream: origin cut' });
  });

  test('a handler that rejects after the body started breaks the body with error trailers: no crash', async () => {
    const handler = streaming(async (stream) => {
      awslambda.HttpResponseStream.from(stream, { statusCode: 200, headers: {} });
      stream.write('some');
      throw new Error('origin cut');
    });
    const response = await invokeInProcess(handler, {});
    const body = await read(response.body);
    expect(body.text).toBe('some');
    expect(body.error?.message).toBe('invocation failed: Error: origin cut');
    expect(await response.done).toEqual({ errorType: 'Error', errorMessage: 'origin cut' });
  });

  test('an error from another realm (as Node.js\'s own errors are under Jest) keeps its type and message', async () => {
    const foreign = vm.runInNewContext('Object.assign(new RangeError("aborted"), { code: "ECONNRESET" })');
    expect(foreign instanceof Error).toBe(false);
    const handler = streaming(async () => {
      throw foreign;
    });
    const response = await invokeInProcess(handler, {});
    await read(response.body);
    expect(await response.done).toEqual({ errorType: 'RangeError', errorMessage: 'aborted' });
  });

  test('a handler not wrapped by streamifyResponse, or not async, is refused', async () => {
    const plain = (async () => undefined) as unknown as StreamingHandler;
    const unwrapped = await invokeInProcess(plain, {});
    expect(await read(unwrapped.body)).toEqual({ text: '', error: new Error('invocation failed: Error: Handler is not wrapped with awslambda.streamifyResponse') });
    expect(await unwrapped.done).toMatchObject({ errorMessage: expect.stringMatching(/streamifyResponse/) });
    installAwsLambdaGlobals();
    const sync = awslambda.streamifyResponse(((_e: unknown, stream: Writable) => void stream.end()) as never) as unknown as StreamingHandler;
    const notAsync = await invokeInProcess(sync, {});
    expect(await read(notAsync.body)).toEqual({ text: '', error: new Error('invocation failed: Error: Streaming does not support non-async handlers.') });
    expect(await notAsync.done).toMatchObject({ errorMessage: 'Streaming does not support non-async handlers.' });
  });
});
