import { buildStepGraph, type WorkflowDefinition } from '@baton/dsl';
import type { DurationStats } from './statistics';

export interface PathStep {
  stepId: string;
  meanMs: number;
}

export interface CriticalPath {
  steps: PathStep[];
  totalMs: number;
}

export interface Bottleneck {
  stepId: string;
  meanMs: number;
  /** Of the critical path's total, 0..1. */
  share: number;
}

/**
 * The top-level steps of a definition as a DAG. Containers are single nodes: their inner steps
 * are timed as part of the container's own duration.
 */
export interface TopLevelGraph {
  /** Top-level step ids in a topological order (list order among steps ready together). */
  order: string[];
  /** Effective needs: the explicit `needs`, or the previous step in the list. */
  needs: ReadonlyMap<string, readonly string[]>;
  /** The top-level steps a `catch` routes to. */
  handlers: ReadonlySet<string>;
  /**
   * The handlers and every step that needs one of them, directly or not (including steps listed
   * after a handler without `needs`): they run only after a caught failure, never on the normal path.
   */
  errorPath: ReadonlySet<string>;
}

export function topLevelGraph(definition: Pick<WorkflowDefinition, 'steps'>): TopLevelGraph {
  // The DSL's graph is the engine's own ordering rule (implicit needs, handlers without needs), so
  // the insights cannot drift from how runs actually execute.
  const graph = buildStepGraph(definition);
  const topLevel = new Set(definition.steps.map((step) => step.id));
  const order = graph.order.filter((id) => topLevel.has(id));
  const needs = new Map(order.map((id) => [id, graph.needs[id] ?? []]));
  const handlers = new Set(graph.handlers.filter((id) => topLevel.has(id)));
  const errorPath = new Set<string>();
  for (const id of order) {
    if (handlers.has(id) || (needs.get(id) ?? []).some((need) => errorPath.has(need))) errorPath.add(id);
  }
  return { order, needs, handlers, errorPath };
}

/**
 * The heaviest chain through the nodes `order` lists (topologically ordered); needs outside `order`
 * are ignored. Ties go to the need earliest in `order`, and to the chain ending latest, so that
 * weightless steps still show up at the end of a path rather than cutting it short.
 */
export function longestPath(
  order: readonly string[],
  needsOf: (id: string) => readonly string[],
  weightOf: (id: string) => number,
): { ids: string[]; totalMs: number } {
  const position = new Map(order.map((id, index) => [id, index]));
  const best = new Map<string, { totalMs: number; via?: string }>();
  for (const id of order) {
    const needs = needsOf(id)
      .filter((need) => position.has(need))
      .sort((a, b) => (position.get(a) ?? 0) - (position.get(b) ?? 0));
    let via: string | undefined;
    let before = 0;
    for (const need of needs) {
      const reached = best.get(need)?.totalMs ?? 0;
      if (via === undefined || reached > before) {
        via = need;
        before = reached;
      }
    }
    best.set(id, { totalMs: before + weightOf(id), via });
  }
  let end: string | undefined;
  let totalMs = 0;
  for (const [id, reached] of best) {
    if (end === undefined || reached.totalMs >= totalMs) {
      end = id;
      totalMs = reached.totalMs;
    }
  }
  const ids: string[] = [];
  for (let id = end; id !== undefined; id = best.get(id)?.via) ids.unshift(id);
  return { ids, totalMs };
}

/**
 * Longest path through the top-level step DAG of the definition, weighting each step by its mean
 * duration (steps without stats weigh 0). Containers (parallel/switch/forEach/subWorkflow) count as
 * one step with their own measured duration. Catch handlers, and the steps that follow them, are
 * excluded: they are not on the normal path.
 */
export function criticalPath(definition: Pick<WorkflowDefinition, 'steps'>, stats: ReadonlyMap<string, DurationStats>): CriticalPath {
  const graph = topLevelGraph(definition);
  const meanOf = (id: string): number => stats.get(id)?.meanMs ?? 0;
  const path = longestPath(
    graph.order.filter((id) => !graph.errorPath.has(id)),
    (id) => graph.needs.get(id) ?? [],
    meanOf,
  );
  return { steps: path.ids.map((stepId) => ({ stepId, meanMs: meanOf(stepId) })), totalMs: path.totalMs };
}

/**
 * The step with the largest mean on the critical path (the first of equals); `undefined` when the
 * path is empty or took no measured time, where a share would mean nothing.
 */
export function bottleneckOf(path: CriticalPath): Bottleneck | undefined {
  let top: PathStep | undefined;
  for (const step of path.steps) {
    if (top === undefined || step.meanMs > top.meanMs) top = step;
  }
  if (top === undefined || !(path.totalMs > 0)) return undefined;
  return { stepId: top.stepId, meanMs: top.meanMs, share: top.meanMs / path.totalMs };
}
