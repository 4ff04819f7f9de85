export { bottleneckOf, criticalPath, longestPath, topLevelGraph } from './critical-path';
export type { Bottleneck, CriticalPath, PathStep, TopLevelGraph } from './critical-path';
export { predictRun } from './prediction';
export type { PredictRunInput, RunPrediction } from './prediction';
export { durationStats, normalTailProbability, percentileOfSorted } from './statistics';
export type { DurationStats } from './statistics';
