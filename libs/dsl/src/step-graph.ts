import type { StepDefinition, WorkflowDefinition } from './definition.types';

/** The execution order of a validated definition's steps. */
export interface StepGraph {
  /** Every step id in a topological order; among steps ready at the same time, list order wins. */
  order: string[];
  /** Effective dependencies: the explicit `needs`, or the previous step in the list when `needs` is absent. */
  needs: Record<string, string[]>;
  /** The reverse of `needs`: the steps waiting on each step, in list order. */
  dependents: Record<string, string[]>;
  steps: Record<string, StepDefinition>;
  /** Catch handlers: steps that start only when a failure is routed to them (they have no needs). */
  handlers: string[];
  /**
   * The branches of each `switch` (its cases, then `default`) and `parallel` step, as lists of the
   * ids directly in them. Branch steps start only once their container routes to their branch.
   */
  branches: Record<string, string[][]>;
}

/** A step as far as ordering is concerned. */
export interface GraphNode {
  id: string;
  needs?: readonly string[];
}

/** A dependency cycle: `cycle` reads "first needs second needs …", ending where it started. */
export interface StepCycle {
  /** The step whose dependency closes the cycle. */
  at: string;
  cycle: string[];
}

/** Effective dependencies per step id, in list order (the DESIGN.md §3 ordering rule). */
export function effectiveNeeds(steps: readonly GraphNode[], handlers: ReadonlySet<string> = new Set()): Map<string, string[]> {
  const needs = new Map<string, string[]>();
  steps.forEach((step, index) => {
    const previous = index > 0 ? [steps[index - 1].id] : [];
    needs.set(step.id, handlers.has(step.id) ? [] : step.needs === undefined ? previous : [...new Set(step.needs)]);
  });
  return needs;
}

/** The steps some `catch` routes to. */
export function catchHandlers(steps: readonly Pick<StepDefinition, 'catch'>[]): Set<string> {
  return new Set(steps.flatMap((step) => (step.catch ?? []).map((route) => route.next)));
}

/**
 * Finds cycles by depth-first search from each step in map order; each is reported once,
 * at the step whose dependency leads back onto the search path.
 */
export function findCycles(needs: ReadonlyMap<string, readonly string[]>): StepCycle[] {
  const cycles: StepCycle[] = [];
  const finished = new Set<string>();
  const path: string[] = [];
  const visit = (id: string): void => {
    path.push(id);
    for (const need of needs.get(id) ?? []) {
      const onPath = path.indexOf(need);
      if (onPath !== -1) {
        cycles.push({ at: id, cycle: [...path.slice(onPath), need] });
      } else if (!finished.has(need) && needs.has(need)) {
        visit(need);
      }
    }
    path.pop();
    finished.add(id);
  };
  for (const id of needs.keys()) {
    if (!finished.has(id)) {
      visit(id);
    }
  }
  return cycles;
}

export function formatCycle(cycle: readonly string[]): string {
  return `cycle: ${cycle.join(' -> ')}`;
}

/** Builds the graph of a validated definition; throws on unknown needs or cycles, which validation rejects. */
export function buildStepGraph(definition: Pick<WorkflowDefinition, 'steps'>): StepGraph {
  const needs = new Map<string, string[]>();
  const steps: Record<string, StepDefinition> = {};
  const handlers: string[] = [];
  const branches: Record<string, string[][]> = {};
  // Each list (the top level, every case, default and branch) orders its own steps; nested lists
  // are flattened into one graph whose nodes the containers route to.
  const addList = (list: readonly StepDefinition[]): void => {
    if (new Set(list.map((step) => step.id)).size !== list.length) throw new Error('step ids are not unique');
    const listHandlers = catchHandlers(list);
    handlers.push(...listHandlers);
    for (const [id, stepNeeds] of effectiveNeeds(list, listHandlers)) {
      if (needs.has(id)) throw new Error('step ids are not unique');
      needs.set(id, stepNeeds);
    }
    for (const step of list) {
      steps[step.id] = step;
      const lists = branchListsOf(step);
      if (lists === undefined) continue;
      branches[step.id] = lists.map((branch) => branch.map((s) => s.id));
      lists.forEach(addList);
    }
  };
  addList(definition.steps);
  assertResolvable(needs);
  const ids = [...needs.keys()];
  const dependents = new Map<string, string[]>(ids.map((id) => [id, []]));
  for (const id of ids) {
    for (const need of needs.get(id) ?? []) {
      dependents.get(need)?.push(id);
    }
  }
  return {
    order: topologicalOrder(ids, needs),
    needs: Object.fromEntries(needs),
    dependents: Object.fromEntries(dependents),
    steps,
    handlers,
    branches,
  };
}

/** The step lists a container runs: a switch's cases then its default, or a parallel step's branches. */
export function branchListsOf(step: StepDefinition): StepDefinition[][] | undefined {
  if (step.type === 'switch') return [...step.cases.map((c) => c.steps), ...(step.default ? [step.default] : [])];
  if (step.type === 'parallel') return step.branches.map((b) => b.steps);
  return undefined;
}

/** Pending steps whose needs have all completed, in graph order: what may be scheduled now. */
export function readySteps(graph: StepGraph, isCompleted: (id: string) => boolean, isPending: (id: string) => boolean): string[] {
  return graph.order.filter((id) => isPending(id) && (graph.needs[id] ?? []).every(isCompleted));
}

function assertResolvable(needs: ReadonlyMap<string, readonly string[]>): void {
  for (const [id, stepNeeds] of needs) {
    const unknown = stepNeeds.find((need) => !needs.has(need));
    if (unknown !== undefined) {
      throw new Error(`step '${id}' needs unknown step '${unknown}'`);
    }
  }
  const [first] = findCycles(needs);
  if (first !== undefined) {
    throw new Error(`step graph has a ${formatCycle(first.cycle)}`);
  }
}

// Definitions hold at most a few hundred steps, so the quadratic scan stays cheap and obviously stable.
function topologicalOrder(ids: readonly string[], needs: ReadonlyMap<string, readonly string[]>): string[] {
  const placed = new Set<string>();
  const order: string[] = [];
  while (order.length < ids.length) {
    const next = ids.find((id) => !placed.has(id) && (needs.get(id) ?? []).every((need) => placed.has(need)));
    if (next === undefined) {
      throw new Error('step graph has a cycle');
    }
    placed.add(next);
    order.push(next);
  }
  return order;
}
