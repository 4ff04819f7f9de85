import { describe, expect, it } from 'vitest';
import type { StepDefinition } from './definition.types';
import { buildStepGraph, effectiveNeeds, findCycles, readySteps } from './step-graph';

function step(id: string, needs?: string[]): StepDefinition {
  return { id, type: 'transform', output: {}, ...(needs === undefined ? {} : { needs }) };
}

describe('buildStepGraph', () => {
  it('chains steps without needs in list order', () => {
    const graph = buildStepGraph({ steps: [step('a'), step('b'), step('c')] });
    expect(graph.order).toEqual(['a', 'b', 'c']);
    expect(graph.needs).toEqual({ a: [], b: ['a'], c: ['b'] });
    expect(graph.dependents).toEqual({ a: ['b'], b: ['c'], c: [] });
    expect(Object.keys(graph.steps)).toEqual(['a', 'b', 'c']);
    expect(graph.steps.b.id).toBe('b');
  });

  it('follows explicit needs as a DAG, ordering simultaneous steps by list position', () => {
    const graph = buildStepGraph({
      steps: [step('join', ['left', 'right']), step('right', []), step('left', ['start']), step('start', [])],
    });
    expect(graph.order).toEqual(['right', 'start', 'left', 'join']);
    expect(graph.needs).toEqual({ join: ['left', 'right'], right: [], left: ['start'], start: [] });
    expect(graph.dependents).toEqual({ join: [], right: ['join'], left: ['join'], start: ['left'] });
  });

  it('mixes explicit and implicit needs: an empty needs list starts in parallel', () => {
    const graph = buildStepGraph({ steps: [step('a'), step('b', []), step('c'), step('d', ['a', 'c'])] });
    expect(graph.needs).toEqual({ a: [], b: [], c: ['b'], d: ['a', 'c'] });
    expect(graph.order).toEqual(['a', 'b', 'c', 'd']);
  });

  it('refuses cycles, unknown needs and duplicate ids', () => {
    expect(() => buildStepGraph({ steps: [step('a', ['b']), step('b')] })).toThrow('cycle: a -> b -> a');
    expect(() => buildStepGraph({ steps: [step('a', ['zzz'])] })).toThrow("unknown step 'zzz'");
    expect(() => buildStepGraph({ steps: [step('a'), step('a')] })).toThrow('not unique');
  });
});

describe('readySteps', () => {
  const graph = buildStepGraph({ steps: [step('a', []), step('b', []), step('c', ['a', 'b']), step('d')] });

  it('returns pending steps whose needs have all completed, in graph order', () => {
    const completed = new Set<string>();
    const pending = new Set(['a', 'b', 'c', 'd']);
    const ready = (): string[] =>
      readySteps(
        graph,
        (id) => completed.has(id),
        (id) => pending.has(id),
      );
    expect(ready()).toEqual(['a', 'b']);
    pending.delete('a');
    pending.delete('b');
    completed.add('a');
    expect(ready()).toEqual([]);
    completed.add('b');
    expect(ready()).toEqual(['c']);
    pending.delete('c');
    completed.add('c');
    expect(ready()).toEqual(['d']);
  });
});

describe('findCycles', () => {
  it('names each cycle once, at the step that closes it', () => {
    const needs = effectiveNeeds([step('a', ['c']), step('b', ['a']), step('c', ['b']), step('d', ['d2']), step('d2', ['d'])]);
    expect(findCycles(needs)).toEqual([
      { at: 'b', cycle: ['a', 'c', 'b', 'a'] },
      { at: 'd2', cycle: ['d', 'd2', 'd'] },
    ]);
  });

  it('finds nothing in a DAG with shared dependencies', () => {
    expect(findCycles(effectiveNeeds([step('a', []), step('b', ['a']), step('c', ['a', 'b']), step('d', ['b', 'c'])]))).toEqual([]);
  });
});
