import { describe, expect, it } from 'vitest';
import { PollingLoop } from './polling-loop';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('PollingLoop', () => {
  it('waits the interval between rounds, goes on at once when asked, and stops', async () => {
    const rounds: number[] = [];
    const loop = new PollingLoop('test', 10_000, async () => (rounds.push(Date.now()), rounds.length < 3 ? 0 : undefined), {
      warn: () => {},
    });

    loop.start();
    await sleep(50);
    await loop.stop();

    expect(rounds).toHaveLength(3);
  });

  it('starts the next round when woken, and retries after a failure with the failure delay', async () => {
    const warnings: string[] = [];
    let round = 0;
    const loop = new PollingLoop(
      'test',
      10_000,
      async () => {
        round += 1;
        if (round === 2) throw new Error('database away');
      },
      { warn: (message) => warnings.push(message) },
      20,
    );

    loop.start();
    await sleep(20);
    expect(round).toBe(1);
    loop.wake();
    await sleep(60);
    await loop.stop();

    expect(round).toBe(3);
    expect(warnings).toEqual(['test failed, will retry: database away']);
  });
});
