-- Whether a ticket's messages were authenticated: mail with a forged From is kept apart from the
-- real sender's tickets. Tickets whose every message was set aside as unauthenticated are marked so.

-- AlterTable
ALTER TABLE "Ticket" ADD COLUMN "authenticated" BOOLEAN NOT NULL DEFAULT true;

UPDATE "Ticket" SET "authenticated" = false
WHERE EXISTS (SELECT 1 FROM "InboundMessage" AS m WHERE m."ticketId" = "Ticket"."id")
  AND NOT EXISTS (
    SELECT 1 FROM "InboundMessage" AS m
    WHERE m."ticketId" = "Ticket"."id"
      AND (m."decision" IS NULL OR m."decision" <> 'quarantine-unauthenticated')
  );
