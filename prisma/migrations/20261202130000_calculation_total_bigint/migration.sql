-- A calculation's total (radiology exams + 5 × nuclear ones over the whole order) may pass 2^31
-- with reference counts each within their 32-bit columns: PostgreSQL refused to record it (22003).

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Calculation" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "publicId" TEXT NOT NULL,
    "inboundMessageId" INTEGER,
    "sender" TEXT NOT NULL,
    "organisation" TEXT NOT NULL DEFAULT '',
    "recipient" TEXT NOT NULL,
    "reference" TEXT NOT NULL,
    "activity" TEXT NOT NULL,
    "activityInferred" BOOLEAN NOT NULL DEFAULT false,
    "input" TEXT NOT NULL,
    "result" TEXT NOT NULL,
    "tranche" TEXT,
    "total" BIGINT NOT NULL,
    "datasetId" INTEGER NOT NULL,
    "resultMessageId" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "Calculation_inboundMessageId_fkey" FOREIGN KEY ("inboundMessageId") REFERENCES "InboundMessage" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);
INSERT INTO "new_Calculation" ("activity", "activityInferred", "createdAt", "datasetId", "id", "inboundMessageId", "input", "organisation", "publicId", "recipient", "reference", "result", "resultMessageId", "sender", "total", "tranche") SELECT "activity", "activityInferred", "createdAt", "datasetId", "id", "inboundMessageId", "input", "organisation", "publicId", "recipient", "reference", "result", "resultMessageId", "sender", "total", "tranche" FROM "Calculation";
DROP TABLE "Calculation";
ALTER TABLE "new_Calculation" RENAME TO "Calculation";
CREATE UNIQUE INDEX "Calculation_publicId_key" ON "Calculation"("publicId");
CREATE UNIQUE INDEX "Calculation_resultMessageId_key" ON "Calculation"("resultMessageId");
CREATE INDEX "Calculation_sender_createdAt_idx" ON "Calculation"("sender", "createdAt");
CREATE INDEX "Calculation_organisation_createdAt_idx" ON "Calculation"("organisation", "createdAt");
CREATE INDEX "Calculation_reference_idx" ON "Calculation"("reference");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

