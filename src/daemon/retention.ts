import type { Db } from "../db/client.ts";

export interface PurgeSummary {
  inbound: number;
  outbox: number;
}

/**
 * SPEC §9: raw message content is kept only `retentionDays`. Clears the raw bytes of messages handled
 * before the cut-off (the summary, decision and status stay for support and audit), and of emails
 * sent or dead before it. Messages still waiting or retried keep theirs: they are needed.
 */
export async function purgeRawContent(
  db: Db,
  retentionDays: number,
  now = new Date(),
): Promise<PurgeSummary> {
  const cutoff = new Date(now.getTime() - retentionDays * 86_400_000);
  const inbound = await db.inboundMessage.updateMany({
    where: {
      raw: { not: null },
      status: { in: ["processed", "ignored", "quarantined", "failed"] },
      receivedAt: { lt: cutoff },
    },
    data: { raw: null },
  });
  // OutboxMessage.raw is required: an empty body marks it purged.
  const outbox = await db.outboxMessage.updateMany({
    where: { status: { in: ["sent", "dead"] }, createdAt: { lt: cutoff } },
    data: { raw: new Uint8Array(0) },
  });
  return { inbound: inbound.count, outbox: outbox.count };
}
