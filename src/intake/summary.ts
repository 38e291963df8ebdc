import type { Intake } from "./types.ts";

/**
 * What intake read, without any text the sender wrote beyond the reference: the shape printed by
 * `tranche inspect --json` and stored as the inbound message's summary (no body is ever logged).
 */
export function summariseIntake(intake: Intake, decision: string | null) {
  const calculation = intake.calculation;
  const access = intake.access;
  return {
    messageId: intake.messageId,
    from: intake.from,
    authenticated: intake.authentication.authenticated,
    kind: intake.kind,
    automatedReason: intake.automated?.reason ?? null,
    calculation: calculation
      ? {
          recipient: calculation.recipient,
          reference: calculation.reference,
          activity: calculation.activity,
          activityInferred: calculation.activityInferred,
          finessRadio: calculation.lists.finessRadio,
          amRadio: calculation.lists.amRadio,
          finessMn: calculation.lists.finessMn,
          amMn: calculation.lists.amMn,
          // Shaped like an identifier, read into no field: the result names those the data knows.
          strayNumbers: calculation.strayNumbers,
          // Rows an attached workbook hides but whose numbers were counted: the result names them.
          hiddenRows: calculation.hiddenRows ?? [],
          hiddenColumns: calculation.hiddenColumns ?? [],
        }
      : null,
    access: access
      ? access.status === "request"
        ? { action: access.request.action, email: access.request.email, newEmail: access.request.newEmail }
        : access.status === "requests"
          ? {
              action: access.requests[0]!.action,
              email: null,
              newEmail: null,
              emails: access.requests.map((r) => r.email),
            }
          : { action: access.action, email: null, newEmail: null }
      : null,
    support: intake.support ? { category: intake.support.category } : null,
    unreadable: intake.unreadable,
    decision,
  };
}
