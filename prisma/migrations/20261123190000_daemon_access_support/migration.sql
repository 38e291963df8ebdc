-- CreateTable
CREATE TABLE "MailboxState" (
    "mailbox" TEXT NOT NULL PRIMARY KEY,
    "source" TEXT NOT NULL,
    "uidValidity" TEXT,
    "lastUid" INTEGER NOT NULL DEFAULT 0,
    "state" TEXT NOT NULL DEFAULT 'stopped',
    "lastError" TEXT,
    "lastErrorAt" DATETIME,
    "lastConnectedAt" DATETIME,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "AccessRequest" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "inboundMessageId" INTEGER,
    "requester" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "newEmail" TEXT,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "reason" TEXT,
    "decidedBy" TEXT,
    "decidedAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "AccessRequest_inboundMessageId_fkey" FOREIGN KEY ("inboundMessageId") REFERENCES "InboundMessage" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "AccessEvent" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "action" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "newEmail" TEXT,
    "requestedBy" TEXT NOT NULL,
    "sourceMessageId" TEXT,
    "decidedBy" TEXT NOT NULL,
    "accessRequestId" INTEGER,
    "detail" TEXT,
    CONSTRAINT "AccessEvent_accessRequestId_fkey" FOREIGN KEY ("accessRequestId") REFERENCES "AccessRequest" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Ticket" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "category" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'open',
    "sender" TEXT NOT NULL,
    "organisation" TEXT,
    "subject" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    "closedAt" DATETIME,
    "closeNote" TEXT
);

-- CreateTable
CREATE TABLE "TicketCalculation" (
    "ticketId" INTEGER NOT NULL,
    "calculationId" INTEGER NOT NULL,
    "linkedBy" TEXT NOT NULL,

    PRIMARY KEY ("ticketId", "calculationId"),
    CONSTRAINT "TicketCalculation_ticketId_fkey" FOREIGN KEY ("ticketId") REFERENCES "Ticket" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "TicketCalculation_calculationId_fkey" FOREIGN KEY ("calculationId") REFERENCES "Calculation" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- AlterTable (ADD COLUMN rather than Prisma's table redefinition: dropping InboundMessage with
-- foreign keys on would null the links of every calculation and outgoing message)
ALTER TABLE "InboundMessage" ADD COLUMN "summary" TEXT;
ALTER TABLE "InboundMessage" ADD COLUMN "ticketId" INTEGER REFERENCES "Ticket" ("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- CreateIndex
CREATE INDEX "AccessRequest_status_idx" ON "AccessRequest"("status");

-- CreateIndex
CREATE INDEX "AccessEvent_email_idx" ON "AccessEvent"("email");

-- CreateIndex
CREATE INDEX "AccessEvent_newEmail_idx" ON "AccessEvent"("newEmail");

-- CreateIndex
CREATE INDEX "Ticket_status_category_idx" ON "Ticket"("status", "category");

-- CreateIndex
CREATE INDEX "Ticket_sender_idx" ON "Ticket"("sender");

