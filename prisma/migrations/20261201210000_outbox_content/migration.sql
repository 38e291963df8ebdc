-- An outgoing email's bytes move to a row of their own: leasing a row and marking it sent no longer
-- rewrite the whole message (SQLite rewrites a row's overflow pages on any update that resizes it).
-- The column is dropped in place (SQLite ≥ 3.35): migrations run in a transaction, where Prisma's
-- table redefinition could not switch foreign keys off, and dropping OutboxMessage would cascade.

-- CreateTable
CREATE TABLE "OutboxContent" (
    "outboxId" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "raw" BLOB NOT NULL,
    CONSTRAINT "OutboxContent_outboxId_fkey" FOREIGN KEY ("outboxId") REFERENCES "OutboxMessage" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- Move the messages
INSERT INTO "OutboxContent" ("outboxId", "raw") SELECT "id", "raw" FROM "OutboxMessage";

-- AlterTable
ALTER TABLE "OutboxMessage" DROP COLUMN "raw";
