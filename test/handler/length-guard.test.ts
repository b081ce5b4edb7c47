import { Readable } from 'node:stream';
import { BodyLengthError, LengthGuard } from '../../src/handler/length-guard';

async function drain(chunks: string[], guard: LengthGuard): Promise<{ out: string; error?: BodyLengthError; endedBeforeError: boolean }> {
  let ended = false;
  guard.on('end', () => (ended = true));
  Readable.from(chunks.map((c) => Buffer.from(c))).pipe(guard);
  let out = '';
  try {
    for await (const chunk of guard) out += chunk.toString();
    return { out, endedBeforeError: ended };
  } catch (err) {
    return { out, error: err as BodyLengthError, endedBeforeError: ended };
  }
}

describe('LengthGuard', () => {
  test('passes a body of the declared length through unchanged', async () => {
    const guard = new LengthGuard({ declaredLength: 11, maxBytes: 100 });
    expect(await drain(['hello', ' ', 'world'], guard)).toEqual({ out: 'hello world', endedBeforeError: true });
    expect(guard.bytes).toBe(11);
  });

  test('passes a body without a declared length up to the maximum', async () => {
    expect(await drain(['abc', 'def'], new LengthGuard({ maxBytes: 6 }))).toEqual({ out: 'abcdef', endedBeforeError: true });
  });

  test('a short body fails before the stream ends', async () => {
    const result = await drain(['hello'], new LengthGuard({ declaredLength: 11, maxBytes: 100 }));
    expect(result.error).toBeInstanceOf(BodyLengthError);
    expect(result.error?.problem).toBe('truncated');
    expect(result.endedBeforeError).toBe(false);
  });

  test('a long body fails as soon as it passes the declared length', async () => {
    const guard = new LengthGuard({ declaredLength: 5, maxBytes: 100 });
    const result = await drain(['hello', ' world', 'never'], guard);
    expect(result).toMatchObject({ error: { problem: 'too-long' }, endedBeforeError: false });
    expect(result.out).not.toContain('world');
    expect(guard.bytes).toBe(11);
  });

  test('a body over the maximum fails as soon as it passes it', async () => {
    const guard = new LengthGuard({ maxBytes: 5 });
    const result = await drain(['abc', 'def', 'ghi'], guard);
    expect(result).toMatchObject({ error: { problem: 'too-large' }, endedBeforeError: false });
    expect(result.out).not.toContain('def');
    expect(guard.bytes).toBe(6);
  });
});
