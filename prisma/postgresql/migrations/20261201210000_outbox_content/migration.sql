-- An outgoing email's bytes move to a row of their own: leasing a row and marking it sent no longer
-- rewrite the whole message with it.

-- CreateTable
CREATE TABLE "OutboxContent" (
    "outboxId" INTEGER NOT NULL,
    "raw" BYTEA NOT NULL,

    CONSTRAINT "OutboxContent_pkey" PRIMARY KEY ("outboxId")
);

-- AddForeignKey
ALTER TABLE "OutboxContent" ADD CONSTRAINT "OutboxContent_outboxId_fkey" FOREIGN KEY ("outboxId") REFERENCES "OutboxMessage"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Move the messages
INSERT INTO "OutboxContent" ("outboxId", "raw") SELECT "id", "raw" FROM "OutboxMessage";

-- AlterTable
ALTER TABLE "OutboxMessage" DROP COLUMN "raw";
