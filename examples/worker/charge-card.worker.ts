import { BatonWorker, RetryableError, TerminalError, type TaskContext } from '@baton/sdk';

/**
 * An external worker for the `charge-card` task type (see order-with-worker.yaml).
 *
 * It "charges" the amount it is given. Like a real payment provider it is not always
 * cooperative: an amount over LARGE_AMOUNT fails retryably on the first attempt (the step's
 * `retry` policy schedules a second one), and a non-positive amount is declined for good.
 */

interface ChargeInput {
  orderId: string;
  amount: number;
}

interface ChargeOutput {
  chargeId: string;
  amount: number;
  chargedAt: string;
}

const LARGE_AMOUNT = 100;

const settings = {
  servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
  namespace: process.env.BATON_NAMESPACE ?? '',
  user: process.env.NATS_USER,
  pass: process.env.NATS_PASSWORD,
};

const log = (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);

/** Charges made so far, by idempotency key: a redelivered attempt is answered without charging twice. */
const charges = new Map<string, ChargeOutput>();

async function chargeCard(input: ChargeInput, ctx: TaskContext): Promise<ChargeOutput> {
  log(`charge ${input.orderId} ${input.amount} (run ${ctx.runId}, attempt ${ctx.attempt}, key ${ctx.idempotencyKey})`);
  if (typeof input.amount !== 'number' || input.amount <= 0) {
    throw new TerminalError(`card declined: cannot charge ${JSON.stringify(input.amount)}`);
  }
  if (input.amount > LARGE_AMOUNT && ctx.attempt === 1) {
    throw new RetryableError(`the card processor asks to retry large amounts (${input.amount} > ${LARGE_AMOUNT})`);
  }
  const previous = charges.get(ctx.idempotencyKey);
  if (previous) return previous;
  await new Promise((done) => setTimeout(done, 200)); // the call to the payment provider
  const charge = { chargeId: `ch-${input.orderId}-${ctx.attempt}`, amount: input.amount, chargedAt: new Date().toISOString() };
  charges.set(ctx.idempotencyKey, charge);
  return charge;
}

async function main(): Promise<void> {
  const worker = new BatonWorker(settings).handle('charge-card', chargeCard, { concurrency: 4 });
  await worker.start();
  log(`charge-card worker ready on ${worker.names.taskSubject('charge-card')}`);
  const stop = (signal: string) => {
    log(`${signal}: finishing running charges`);
    worker.stop().then(
      () => process.exit(0),
      (error: Error) => {
        log(`stop failed: ${error.message}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: Error) => {
  log(`charge-card worker failed: ${error.message}`);
  process.exit(1);
});
