import type { StepDefinition, TransformStepDefinition } from '@baton/dsl';
import { describe, expect, it } from 'vitest';
import { bottleneckOf, criticalPath } from './critical-path';
import type { DurationStats } from './statistics';

function transform(id: string, extra: Partial<Pick<TransformStepDefinition, 'needs' | 'catch'>> = {}): StepDefinition {
  return { id, type: 'transform', output: {}, ...extra };
}

/** Stats with these means (the other figures do not matter to the path). */
function means(values: Record<string, number>): Map<string, DurationStats> {
  return new Map(
    Object.entries(values).map(([id, meanMs]) => [
      id,
      { count: 1, meanMs, stdDevMs: 0, p50Ms: meanMs, p90Ms: meanMs, p95Ms: meanMs, p99Ms: meanMs, maxMs: meanMs },
    ]),
  );
}

const diamond = [transform('a'), transform('b', { needs: ['a'] }), transform('c', { needs: ['a'] }), transform('d', { needs: ['b', 'c'] })];

describe('criticalPath', () => {
  it('takes the heavier branch of a diamond', () => {
    const path = criticalPath({ steps: diamond }, means({ a: 100, b: 300, c: 200, d: 50 }));
    expect(path).toEqual({
      steps: [
        { stepId: 'a', meanMs: 100 },
        { stepId: 'b', meanMs: 300 },
        { stepId: 'd', meanMs: 50 },
      ],
      totalMs: 450,
    });
  });

  it('breaks a tie by list order', () => {
    const path = criticalPath({ steps: diamond }, means({ a: 100, b: 200, c: 200, d: 50 }));
    expect(path.steps.map((s) => s.stepId)).toEqual(['a', 'b', 'd']);
    expect(path.totalMs).toBe(350);
  });

  it('follows list order when steps have no needs, and the needs when they do', () => {
    const stats = means({ a: 100, b: 300, c: 200 });
    const sequential = criticalPath({ steps: [transform('a'), transform('b'), transform('c')] }, stats);
    expect(sequential.steps.map((s) => s.stepId)).toEqual(['a', 'b', 'c']);
    expect(sequential.totalMs).toBe(600);

    const fannedOut = criticalPath({ steps: [transform('a'), transform('b', { needs: ['a'] }), transform('c', { needs: ['a'] })] }, stats);
    expect(fannedOut.steps.map((s) => s.stepId)).toEqual(['a', 'b']);
    expect(fannedOut.totalMs).toBe(400);
  });

  it('orders the path by needs, not by where steps are listed', () => {
    const path = criticalPath({ steps: [transform('x', { needs: ['y'] }), transform('y', { needs: [] })] }, means({ x: 100, y: 50 }));
    expect(path.steps.map((s) => s.stepId)).toEqual(['y', 'x']);
    expect(path.totalMs).toBe(150);
  });

  it('weighs steps without stats as nothing, keeping them on the path', () => {
    const path = criticalPath({ steps: [transform('a'), transform('b'), transform('c')] }, means({ a: 100, c: 50 }));
    expect(path.steps).toEqual([
      { stepId: 'a', meanMs: 100 },
      { stepId: 'b', meanMs: 0 },
      { stepId: 'c', meanMs: 50 },
    ]);
    expect(path.totalMs).toBe(150);
  });

  it('leaves out catch handlers and the steps that follow them', () => {
    const steps = [
      transform('charge', { catch: [{ errors: ['card.*'], next: 'declined' }, { next: 'manual' }] }),
      transform('ship'),
      transform('declined'),
      transform('tell-customer'),
      transform('manual'),
      transform('escalate', { needs: ['ship', 'manual'] }),
    ];
    const path = criticalPath(
      { steps },
      means({ charge: 100, ship: 50, declined: 1000, 'tell-customer': 500, manual: 2000, escalate: 10 }),
    );
    expect(path.steps.map((s) => s.stepId)).toEqual(['charge', 'ship']);
    expect(path.totalMs).toBe(150);
  });

  it('counts a container as one step, with its own duration', () => {
    const fanout: StepDefinition = {
      id: 'fanout',
      type: 'parallel',
      branches: [{ steps: [transform('left')] }, { steps: [transform('right')] }],
    };
    const path = criticalPath(
      { steps: [transform('prep'), fanout, transform('done')] },
      means({ prep: 100, fanout: 400, left: 10_000, done: 50 }),
    );
    expect(path.steps.map((s) => s.stepId)).toEqual(['prep', 'fanout', 'done']);
    expect(path.totalMs).toBe(550);
  });

  it('is empty for a definition without steps', () => {
    expect(criticalPath({ steps: [] }, new Map())).toEqual({ steps: [], totalMs: 0 });
  });
});

describe('bottleneckOf', () => {
  it('names the heaviest step on the path and its share', () => {
    const bottleneck = bottleneckOf(criticalPath({ steps: diamond }, means({ a: 100, b: 300, c: 200, d: 50 })));
    expect(bottleneck).toMatchObject({ stepId: 'b', meanMs: 300 });
    expect(bottleneck?.share).toBeCloseTo(300 / 450, 12);
    expect(Math.round((bottleneck?.share ?? 0) * 1000) / 1000).toBe(0.667);
  });

  it('takes the first of equally heavy steps', () => {
    expect(
      bottleneckOf({
        steps: [
          { stepId: 'a', meanMs: 200 },
          { stepId: 'b', meanMs: 200 },
        ],
        totalMs: 400,
      }),
    ).toEqual({
      stepId: 'a',
      meanMs: 200,
      share: 0.5,
    });
  });

  it('gives nothing for an empty or unmeasured path', () => {
    expect(bottleneckOf({ steps: [], totalMs: 0 })).toBeUndefined();
    expect(bottleneckOf(criticalPath({ steps: [transform('a'), transform('b')] }, new Map()))).toBeUndefined();
  });
});
