-- AlterTable
ALTER TABLE "InboundMessage" ADD COLUMN     "summary" TEXT,
ADD COLUMN     "ticketId" INTEGER;

-- CreateTable
CREATE TABLE "MailboxState" (
    "mailbox" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "uidValidity" TEXT,
    "lastUid" INTEGER NOT NULL DEFAULT 0,
    "state" TEXT NOT NULL DEFAULT 'stopped',
    "lastError" TEXT,
    "lastErrorAt" TIMESTAMP(3),
    "lastConnectedAt" TIMESTAMP(3),
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "MailboxState_pkey" PRIMARY KEY ("mailbox")
);

-- CreateTable
CREATE TABLE "AccessRequest" (
    "id" SERIAL NOT NULL,
    "inboundMessageId" INTEGER,
    "requester" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "newEmail" TEXT,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "reason" TEXT,
    "decidedBy" TEXT,
    "decidedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AccessRequest_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AccessEvent" (
    "id" SERIAL NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "action" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "newEmail" TEXT,
    "requestedBy" TEXT NOT NULL,
    "sourceMessageId" TEXT,
    "decidedBy" TEXT NOT NULL,
    "accessRequestId" INTEGER,
    "detail" TEXT,

    CONSTRAINT "AccessEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Ticket" (
    "id" SERIAL NOT NULL,
    "category" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'open',
    "sender" TEXT NOT NULL,
    "organisation" TEXT,
    "subject" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "closedAt" TIMESTAMP(3),
    "closeNote" TEXT,

    CONSTRAINT "Ticket_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "TicketCalculation" (
    "ticketId" INTEGER NOT NULL,
    "calculationId" INTEGER NOT NULL,
    "linkedBy" TEXT NOT NULL,

    CONSTRAINT "TicketCalculation_pkey" PRIMARY KEY ("ticketId","calculationId")
);

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

-- AddForeignKey
ALTER TABLE "InboundMessage" ADD CONSTRAINT "InboundMessage_ticketId_fkey" FOREIGN KEY ("ticketId") REFERENCES "Ticket"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AccessRequest" ADD CONSTRAINT "AccessRequest_inboundMessageId_fkey" FOREIGN KEY ("inboundMessageId") REFERENCES "InboundMessage"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AccessEvent" ADD CONSTRAINT "AccessEvent_accessRequestId_fkey" FOREIGN KEY ("accessRequestId") REFERENCES "AccessRequest"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TicketCalculation" ADD CONSTRAINT "TicketCalculation_ticketId_fkey" FOREIGN KEY ("ticketId") REFERENCES "Ticket"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TicketCalculation" ADD CONSTRAINT "TicketCalculation_calculationId_fkey" FOREIGN KEY ("calculationId") REFERENCES "Calculation"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

