// The chain guard keeps a transformers.js-style promise chain usable after a failed run, and the
// failure still reaches the caller with its original error.
import { describe, expect, it } from 'vitest';
import { deferredFailure, installChainGuard } from './ortChainGuard';

class FakeSession {
  static created = 0;
  static async create(fail: boolean): Promise<FakeSession> {
    if (fail) throw new Error('webgpu: out of memory');
    FakeSession.created++;
    return new FakeSession();
  }
  async run(feeds: { fail?: boolean }): Promise<{ logits: number }> {
    if (feeds.fail) throw new Error('device lost');
    return { logits: 1 };
  }
}

/** What transformers.js does: every run queued on one chain, then the output is walked (replaceTensors). */
function chainRunner() {
  let chain: Promise<unknown> = Promise.resolve();
  return async (session: FakeSession, feeds: { fail?: boolean }) => {
    const output = (await (chain = chain.then(() => session.run(feeds)))) as Record<string, unknown>;
    for (const key in output) void output[key];
    return output;
  };
}

describe('chain guard', () => {
  it('without it, one failed run poisons every later run (the transformers.js behaviour it works around)', async () => {
    const run = chainRunner();
    const s = new FakeSession();
    await expect(run(s, { fail: true })).rejects.toThrow('device lost');
    await expect(run(s, {})).rejects.toThrow('device lost');
  });

  it('with it, the failure surfaces once with its own error and later runs work', async () => {
    installChainGuard(FakeSession as never);
    installChainGuard(FakeSession as never); // idempotent
    const run = chainRunner();
    const s = new FakeSession();
    await expect(run(s, { fail: true })).rejects.toThrow('device lost');
    await expect(run(s, {})).resolves.toEqual({ logits: 1 });
    // create: the same for a failed session creation
    const failed = (await FakeSession.create(true)) as unknown as { inputNames: string[] };
    expect(() => failed.inputNames).toThrow('webgpu: out of memory');
    await expect(FakeSession.create(false)).resolves.toBeInstanceOf(FakeSession);
  });

  it('the stand-in is not thenable and throws on any use', async () => {
    const x = deferredFailure(new RangeError('boom')) as Record<string, unknown>;
    await expect(Promise.resolve(x)).resolves.toBe(x);
    expect(() => x.logits).toThrow('boom');
    expect(() => Object.keys(x)).toThrow('boom');
    expect(() => {
      x.config = 1;
    }).toThrow('boom');
    expect(() => 'a' in x).toThrow('boom');
  });
});
