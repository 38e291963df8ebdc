-- CreateTable
CREATE TABLE "Dataset" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "label" TEXT NOT NULL,
    "importedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "active" BOOLEAN NOT NULL DEFAULT false,
    "finessRows" INTEGER NOT NULL DEFAULT 0,
    "amRows" INTEGER NOT NULL DEFAULT 0,
    "rejectedRows" INTEGER NOT NULL DEFAULT 0
);

-- CreateTable
CREATE TABLE "FinessReference" (
    "datasetId" INTEGER NOT NULL,
    "finess" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "radiology" INTEGER NOT NULL,
    "nuclear" INTEGER NOT NULL,

    PRIMARY KEY ("datasetId", "finess"),
    CONSTRAINT "FinessReference_datasetId_fkey" FOREIGN KEY ("datasetId") REFERENCES "Dataset" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "AmReference" (
    "datasetId" INTEGER NOT NULL,
    "am" TEXT NOT NULL,
    "activity" TEXT NOT NULL,
    "acts" INTEGER NOT NULL,

    PRIMARY KEY ("datasetId", "am"),
    CONSTRAINT "AmReference_datasetId_fkey" FOREIGN KEY ("datasetId") REFERENCES "Dataset" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "AuthorisedAddress" (
    "email" TEXT NOT NULL PRIMARY KEY,
    "organisation" TEXT NOT NULL,
    "grantedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "grantedBy" TEXT NOT NULL,
    "sourceMessageId" TEXT,
    "revokedAt" DATETIME,
    "revokedBy" TEXT
);

-- CreateTable
CREATE TABLE "InboundMessage" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "mailbox" TEXT NOT NULL,
    "uidValidity" TEXT NOT NULL,
    "uid" TEXT NOT NULL,
    "contentHash" TEXT NOT NULL,
    "messageId" TEXT,
    "fromAddress" TEXT,
    "subject" TEXT,
    "status" TEXT NOT NULL,
    "decision" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lastError" TEXT,
    "raw" BLOB,
    "receivedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "processedAt" DATETIME
);

-- CreateTable
CREATE TABLE "Calculation" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "publicId" TEXT NOT NULL,
    "inboundMessageId" INTEGER,
    "sender" TEXT NOT NULL,
    "recipient" TEXT NOT NULL,
    "reference" TEXT NOT NULL,
    "activity" TEXT NOT NULL,
    "activityInferred" BOOLEAN NOT NULL DEFAULT false,
    "input" TEXT NOT NULL,
    "result" TEXT NOT NULL,
    "tranche" TEXT,
    "total" INTEGER NOT NULL,
    "datasetId" INTEGER NOT NULL,
    "resultMessageId" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "Calculation_inboundMessageId_fkey" FOREIGN KEY ("inboundMessageId") REFERENCES "InboundMessage" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "OutboxMessage" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "messageId" TEXT NOT NULL,
    "inboundMessageId" INTEGER,
    "kind" TEXT NOT NULL,
    "envelopeFrom" TEXT NOT NULL,
    "recipients" TEXT NOT NULL,
    "raw" BLOB NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastResponse" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sentAt" DATETIME,
    CONSTRAINT "OutboxMessage_inboundMessageId_fkey" FOREIGN KEY ("inboundMessageId") REFERENCES "InboundMessage" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "Dataset_active_idx" ON "Dataset"("active");

-- CreateIndex
CREATE INDEX "AuthorisedAddress_organisation_idx" ON "AuthorisedAddress"("organisation");

-- CreateIndex
CREATE INDEX "InboundMessage_mailbox_contentHash_idx" ON "InboundMessage"("mailbox", "contentHash");

-- CreateIndex
CREATE INDEX "InboundMessage_messageId_idx" ON "InboundMessage"("messageId");

-- CreateIndex
CREATE INDEX "InboundMessage_status_idx" ON "InboundMessage"("status");

-- CreateIndex
CREATE UNIQUE INDEX "InboundMessage_mailbox_uidValidity_uid_key" ON "InboundMessage"("mailbox", "uidValidity", "uid");

-- CreateIndex
CREATE UNIQUE INDEX "Calculation_publicId_key" ON "Calculation"("publicId");

-- CreateIndex
CREATE UNIQUE INDEX "Calculation_resultMessageId_key" ON "Calculation"("resultMessageId");

-- CreateIndex
CREATE INDEX "Calculation_sender_idx" ON "Calculation"("sender");

-- CreateIndex
CREATE INDEX "Calculation_reference_idx" ON "Calculation"("reference");

-- CreateIndex
CREATE UNIQUE INDEX "OutboxMessage_messageId_key" ON "OutboxMessage"("messageId");

-- CreateIndex
CREATE INDEX "OutboxMessage_status_nextAttemptAt_idx" ON "OutboxMessage"("status", "nextAttemptAt");

