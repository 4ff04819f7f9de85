export { decide } from './decide';
export type { DecideArgs } from './decide';
export type {
  CompensationReason,
  CompensationState,
  Decision,
  EngineCommand,
  HistoryRecord,
  RunEvent,
  RunState,
  SignalPayload,
  StepState,
} from './run-state';
export { stepTypeOf } from './step-types';
export { isTerminal } from './timers';
export type { StepContext, StepStart, StepType } from './step-types';
