-- When the attempt under way on a message began: it is counted before it starts, so that a message
-- that stops the process is parked after its last attempt; on PostgreSQL a recent one belongs to
-- another daemon, still working, which is left alone.

-- AlterTable
ALTER TABLE "InboundMessage" ADD COLUMN "attemptedAt" DATETIME;
