import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { BatonConfig } from '@baton/config';
import type { EmailChannel as EmailConfig } from '@baton/dsl';
import { inSpan, serviceTracer, SpanKind } from '@baton/telemetry';
import { createTransport, type Transporter } from 'nodemailer';
import type { ChannelSender, DeliveryAttempt, SendResult } from './channel-sender';
import { describeNotification } from './notification';

/** Plain-text e-mail through the SMTP server of `BATON_SMTP_URL`, one message to all of a rule's addresses. */
@Injectable()
export class EmailChannel implements ChannelSender, OnApplicationShutdown {
  readonly channel = 'email';
  private readonly tracer = serviceTracer('notifier');
  private readonly transport?: Transporter;
  private readonly from: string;

  constructor(config: BatonConfig) {
    this.from = config.BATON_SMTP_FROM;
    if (config.BATON_SMTP_URL) this.transport = createTransport(config.BATON_SMTP_URL);
  }

  onApplicationShutdown(): void {
    this.transport?.close();
  }

  targetOf(config: Record<string, unknown>): string {
    return (config as unknown as EmailConfig).to.join(', ');
  }

  async send(attempt: DeliveryAttempt): Promise<SendResult> {
    if (!this.transport) return { delivered: false, error: 'e-mail is not configured: set BATON_SMTP_URL', permanent: true };
    const { subject, lines } = describeNotification(attempt.notification);
    const to = (attempt.config as unknown as EmailConfig).to;
    try {
      await inSpan(this.tracer, 'smtp send', { kind: SpanKind.CLIENT, attributes: { 'baton.delivery_id': attempt.id } }, () =>
        this.transport!.sendMail({
          from: this.from,
          to,
          subject,
          text: `${lines.join('\n')}\n`,
          headers: { 'X-Baton-Delivery': attempt.id, 'X-Baton-Event': `run.${attempt.notification.event}` },
        }),
      );
      return { delivered: true };
    } catch (error) {
      const code = (error as { responseCode?: number }).responseCode;
      // 5xx is the server refusing for good (unknown mailbox, policy); anything else may pass later.
      return { delivered: false, error: `SMTP: ${(error as Error).message}`, permanent: code !== undefined && code >= 500 };
    }
  }
}
