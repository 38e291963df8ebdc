-- Who holds an outgoing email's lease, so that a daemon that knows the holder has died (on SQLite:
-- it holds the database's daemon lock) can send the email at once instead of at lease expiry.

-- AlterTable
ALTER TABLE "OutboxMessage" ADD COLUMN "leasedBy" TEXT;
