import type { RunView, StepView, WaitReason } from '@baton/sdk';
import { elapsed } from './output';

/** What a waiting step waits for, in a few words. */
function waitHint(runId: string, reason: WaitReason): string {
  switch (reason.kind) {
    case 'timer':
      return reason.until ? `until ${reason.until}` : reason.reason === 'retry' ? 'to retry' : 'on a timer';
    case 'event':
      return `for event ${reason.eventType}`;
    case 'approval':
      return `for approval: baton runs signal ${runId} ${reason.signal} --decision approved|rejected`;
    case 'worker':
      return `for a worker on ${reason.taskType}, attempt ${reason.attempt}`;
    case 'executor':
      return `for the executor, attempt ${reason.attempt}`;
    case 'child':
      return `for child run ${reason.childRunId}`;
    default:
      return reason.kind;
  }
}

/**
 * What a step's line says: `running (attempt 2)`, `waiting (for event order.paid)`,
 * `completed 210 ms`, `failed 1.2 s: HTTP 500`, and how its compensation goes once it has begun.
 */
export function stepState(step: StepView, run: RunView): string {
  let state: string = step.status;
  if (step.status === 'running' || step.status === 'scheduled') state += ` (attempt ${Math.max(1, step.attempts)})`;
  else if (step.status === 'waiting') {
    const reason = run.waitingFor?.find((wait) => 'stepId' in wait && wait.stepId === step.id);
    if (reason) state += ` (${waitHint(run.id, reason)})`;
  } else if (step.endedAt) {
    const took = elapsed(step.startedAt, step.endedAt);
    if (took) state += ` ${took}`;
    if (step.status === 'failed' && step.error) state += `: ${step.error.message}`;
  }
  if (step.compensation) state += `; compensation ${step.compensation.status}`;
  return state.replace(/\s*\n\s*/g, ' ');
}

/**
 * The live view of `baton run --wait`: given each read of the run, it writes the steps whose state
 * changed. On a terminal it redraws one line per step in place; elsewhere (a pipe, a file, a test)
 * it appends one line per change, in the order seen. Steps still `pending` are not shown.
 */
export class RunProgress {
  private readonly states = new Map<string, string>();
  private drawn = 0;

  /** `columns`: on a terminal, its width; longer lines are cut so that each takes one row to redraw. */
  constructor(
    private readonly write: (text: string) => void,
    private readonly tty: boolean,
    private readonly columns = 0,
  ) {}

  update(run: RunView): void {
    const changed: StepView[] = [];
    for (const step of run.steps) {
      const state = stepState(step, run);
      if (this.states.get(step.id) === state || (step.status === 'pending' && !this.states.has(step.id))) continue;
      this.states.set(step.id, state);
      changed.push(step);
    }
    if (changed.length === 0) return;
    const width = Math.max(...run.steps.map((step) => step.id.length));
    const line = (id: string) => `  ${id.padEnd(width)}  ${this.states.get(id)}`;
    if (!this.tty) {
      this.write(changed.map((step) => `${line(step.id)}\n`).join(''));
      return;
    }
    // Up to the first line drawn last time, clear to the end of the screen, draw every shown step again.
    const fit = (text: string) => (this.columns > 1 && text.length >= this.columns ? `${text.slice(0, this.columns - 2)}…` : text);
    const shown = run.steps.filter((step) => this.states.has(step.id)).map((step) => fit(line(step.id)));
    this.write(`${this.drawn > 0 ? `\x1b[${this.drawn}A\r\x1b[J` : ''}${shown.map((text) => `${text}\n`).join('')}`);
    this.drawn = shown.length;
  }
}
