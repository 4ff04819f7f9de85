export interface LoopLogger {
  warn(message: string): void;
}

/**
 * Runs `work` again and again until stopped. The next round starts after `intervalMs` (measured
 * from the start of the round, so rounds keep their rate), after the delay `work` returns (0 when
 * it has more to do at once), or as soon as `wake()` is called. A failing round is logged and the
 * next one starts after `failureDelayMs`.
 */
export class PollingLoop {
  private running = false;
  private loop?: Promise<void>;
  private wakeUp?: () => void;
  private woken = false;

  constructor(
    private readonly name: string,
    private readonly intervalMs: number,
    /** Returns how long to wait before the next round, when not the usual interval. */
    private readonly work: () => Promise<number | void>,
    private readonly logger: LoopLogger,
    private readonly failureDelayMs = intervalMs,
  ) {}

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
  }

  /** Something to do arrived: start the next round now rather than at the next interval. */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  private async run(): Promise<void> {
    while (this.running) {
      const startedMs = Date.now();
      this.woken = false;
      let delayMs: number;
      try {
        delayMs = (await this.work()) ?? Math.max(0, this.intervalMs - (Date.now() - startedMs));
      } catch (error) {
        // The database or NATS may be away for a moment; the next round tries again.
        this.logger.warn(`${this.name} failed, will retry: ${(error as Error).message}`);
        delayMs = this.failureDelayMs;
      }
      if (delayMs > 0 && !this.woken && this.running) await this.sleep(delayMs);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = done;
    });
  }
}
