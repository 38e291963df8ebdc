import { type Notification, templateDataOf } from "../notifications/notification.ts";
import type { OutgoingEmail } from "../outbox/outgoing.ts";
import { composeMessage, newMessageId, type RequestThread } from "./compose.ts";
import type { Renderer } from "./renderer.ts";
import type { TemplateData, TemplateName } from "./templates.ts";

export interface ComposerSettings {
  noreplyAddress: string;
  contactAddress: string;
  submissionAddress: string;
}

/**
 * Renders and composes the emails one decision sends (a reply, store notifications), collecting
 * them for the outbox: from no-reply@, answered to contact@, threaded to the message they answer.
 */
export class EmailComposer {
  readonly outgoing: OutgoingEmail[] = [];

  constructor(
    private readonly renderer: Renderer,
    private readonly settings: ComposerSettings,
    private readonly at: Date,
  ) {}

  /** A Message-ID for an email still to be sent, for a caller that must record it first. */
  newMessageId(): string {
    return newMessageId(this.settings.noreplyAddress);
  }

  /**
   * Renders one email to one address, for the outbox (sent once the decision is committed);
   * returns its Message-ID (`messageId` when given).
   */
  async compose<N extends TemplateName>(
    template: N,
    data: TemplateData[N],
    to: string,
    thread: RequestThread | null,
    messageId?: string,
  ): Promise<string> {
    const email = this.renderer.render(template, data);
    const composed = await composeMessage({
      email,
      ...(messageId ? { messageId } : {}),
      from: this.settings.noreplyAddress,
      to,
      replyTo: this.settings.contactAddress,
      inReplyTo: thread,
      date: this.at,
    });
    this.outgoing.push({
      kind: template,
      messageId: composed.messageId,
      envelopeFrom: this.settings.noreplyAddress,
      recipients: [to],
      raw: composed.raw,
    });
    return composed.messageId;
  }

  /**
   * A store's notification: one email per recipient, each its own message (the address concerned
   * by an access decision need not see the requester's thread). Threaded to `thread` when given,
   * else to the message the notification names.
   */
  async notify(notification: Notification | null, thread: RequestThread | null = null): Promise<void> {
    if (!notification) return;
    const data = templateDataOf(notification, this.settings);
    const replyTo =
      thread ?? (notification.inReplyTo ? { messageId: notification.inReplyTo, references: [] } : null);
    for (const to of notification.to) await this.compose(notification.template, data as never, to, replyTo);
  }
}
