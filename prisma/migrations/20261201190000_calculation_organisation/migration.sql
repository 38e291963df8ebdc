-- The per-organisation rate limit counts a sender's organisation through an index.
-- Existing rows get the sender's domain: only the last hour's rows count, and it is their
-- organisational domain for every sender that does not write from a sub-domain.
ALTER TABLE "Calculation" ADD COLUMN "organisation" TEXT NOT NULL DEFAULT '';
UPDATE "Calculation" SET "organisation" = lower(substr("sender", instr("sender", '@') + 1));

-- DropIndex
DROP INDEX "Calculation_sender_idx";

-- CreateIndex
CREATE INDEX "Calculation_sender_createdAt_idx" ON "Calculation"("sender", "createdAt");

-- CreateIndex
CREATE INDEX "Calculation_organisation_createdAt_idx" ON "Calculation"("organisation", "createdAt");
