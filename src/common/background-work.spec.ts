import { AppError } from './http/error-codes';
import { BackgroundWork } from './background-work';

describe('BackgroundWork', () => {
  it('waits for tracked work to finish and then reports nothing left', async () => {
    const work = new BackgroundWork<string>();
    let finished = false;
    work.track('a', 'ctx-a', new Promise((resolve) => setTimeout(() => resolve((finished = true)), 20)));
    expect(await work.drain(1000)).toEqual([]);
    expect(finished).toBe(true);
  });

  it('gives up after the grace period and hands back what is still going', async () => {
    const work = new BackgroundWork<string>();
    work.track('slow', 'ctx-slow', new Promise(() => undefined));
    work.track('failing', 'ctx-failing', Promise.reject(new Error('recorded by its owner')));
    const started = Date.now();
    expect(await work.drain(50)).toEqual([{ id: 'slow', context: 'ctx-slow' }]);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('refuses new work once shutdown has begun', async () => {
    const work = new BackgroundWork<string>();
    expect(() => work.assertAccepting()).not.toThrow();
    await work.drain(0);
    expect(() => work.assertAccepting()).toThrow(AppError);
  });
});
