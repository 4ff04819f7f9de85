import type { RunLifecycleEvent } from '@baton/contracts';
import { describe, expect, it } from 'vitest';
import { chatMessage } from './chat.channel';
import { notificationOf } from './notification';

const RUN_ID = '8cdfa60d-33ca-4d63-9fd7-d04518e111f6';

const event = (fields: Partial<RunLifecycleEvent>): RunLifecycleEvent => ({
  runId: RUN_ID,
  workflow: 'refund-approval',
  version: 3,
  status: 'running',
  occurredAt: '2026-11-24T01:30:01.949Z',
  ...fields,
});

interface Block {
  type: string;
  text?: { type: string; text: string };
  elements?: { type: string; text: string }[];
}

function messageFor(fields: Partial<RunLifecycleEvent>): { text: string; header: string; section: string; context: string } {
  const { text, blocks } = chatMessage(notificationOf(event(fields))!);
  const [header, section, context] = blocks as Block[];
  expect((blocks as Block[]).map((b) => b.type)).toEqual(['header', 'section', 'context']);
  expect(header.text?.type).toBe('plain_text');
  expect(section.text?.type).toBe('mrkdwn');
  return { text, header: header.text!.text, section: section.text!.text, context: context.elements![0].text };
}

describe('chatMessage', () => {
  it('says which run of which workflow failed, in which step and why', () => {
    const message = messageFor({ status: 'failed', error: { message: 'HTTP 402 Payment Required: card declined', stepId: 'charge' } });

    expect(message.text).toBe(`Baton: refund-approval run ${RUN_ID} failed`);
    expect(message.header).toBe(message.text);
    expect(message.section.split('\n')).toEqual([
      `Workflow refund-approval (version 3), run ${RUN_ID}: failed.`,
      'Error in step charge: HTTP 402 Payment Required: card declined',
      'Status: failed; at 2026-11-24T01:30:01.949Z.',
    ]);
    expect(message.context).toBe(`run \`${RUN_ID}\` · baton.run.failed`);
  });

  it('does not name the failed step twice when the error already does', () => {
    const message = messageFor({ status: 'failed', error: { message: "step 'charge' failed: card declined", stepId: 'charge' } });

    expect(message.section.split('\n')[1]).toBe("Error: step 'charge' failed: card declined");
  });

  it('gives the SLA deadline, the predicted end and the breach probability of a run at risk', () => {
    const message = messageFor({
      event: 'sla_at_risk',
      sla: { deadline: '2026-11-24T02:00:00.000Z', predictedEndAt: '2026-11-24T02:12:00.000Z', breachProbability: 0.874 },
    });

    expect(message.text).toBe(`Baton: refund-approval run ${RUN_ID} is at risk of breaching its SLA`);
    expect(message.section).toContain('SLA deadline 2026-11-24T02:00:00.000Z, predicted end 2026-11-24T02:12:00.000Z');
    expect(message.section).toContain('Breach probability 87%.');
    expect(message.section).toContain('Status: running;');
    expect(message.context).toContain('baton.run.sla_at_risk');
  });

  it('tells approvers which signal decides the approval', () => {
    const message = messageFor({ event: 'approval_requested', stepId: 'manager' });

    expect(message.text).toBe(`Baton: refund-approval run ${RUN_ID} waits for an approval`);
    expect(message.section).toContain(`Decide with POST /v1/runs/${RUN_ID}/signals/manager {"decision": "approved" | "rejected"}.`);
  });

  it('escapes mrkdwn markup in what the run reports, so an error cannot ping the channel or forge a link', () => {
    const message = messageFor({
      status: 'failed',
      error: { message: 'HTTP 500: <!channel> see <https://evil.test|the fix> & retry', stepId: 'charge' },
    });

    expect(message.section).toContain('HTTP 500: &lt;!channel&gt; see &lt;https://evil.test|the fix&gt; &amp; retry');
    expect(message.section).not.toMatch(/<|>/);
  });

  it('keeps within Slack’s block limits however long the error is', () => {
    const message = messageFor({ status: 'failed', error: { message: `upstream said: ${'<&>'.repeat(2000)}` } });

    expect(message.section.length).toBeLessThanOrEqual(3000);
    expect(message.section.endsWith('…')).toBe(true);
    expect(message.section).not.toMatch(/&[a-z]*…$/);
    expect(message.header.length).toBeLessThanOrEqual(150);
  });
});
