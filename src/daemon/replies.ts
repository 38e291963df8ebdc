import type { FreeMailList } from "../access/rules.ts";
import type { HelpProblem as DecidedProblem } from "../decide/decision.ts";
import { FIELDS } from "../engine/types.ts";
import { UNREAD_DOCUMENT } from "../intake/order-form.ts";
import type { Intake } from "../intake/types.ts";
import type { HelpEmailData, HelpProblem, UnauthorisedEmailData } from "../render/templates.ts";

/** The configured addresses and limits every reply names. */
export interface ReplySettings {
  contactAddress: string;
  submissionAddress: string;
  maxIdentifiers: number;
  maxBodyBytes: number;
}

/** Attached files that are not inline images: the ones a problem with "the attachment" is about. */
function attachedFileName(intake: Intake, pattern: RegExp): string {
  const file = intake.attachments.find((a) => a.filename && pattern.test(a.filename));
  return file?.filename ?? "pièce jointe";
}

const TABLE = /\.(csv|txt|xlsx|xlsm|docx|docm)$/i;

/** Intake's problem names, with the details the help email shows (file name, counts, limits). */
export function helpProblems(
  intake: Intake,
  problems: readonly DecidedProblem[],
  settings: ReplySettings,
): HelpProblem[] {
  const calculation = intake.calculation;
  const count = calculation ? FIELDS.reduce((n, f) => n + calculation.lists[f].length, 0) : 0;
  const issues = (problem: DecidedProblem) =>
    (calculation?.tableIssues ?? []).filter((i) => i.problem === problem);
  /** The files a problem is about; the first table attached when intake did not say. */
  const files = (problem: DecidedProblem) => {
    const named = [...new Set(issues(problem).map((i) => i.filename))];
    return named.length > 0 ? named : [attachedFileName(intake, TABLE)];
  };
  const perFile = (problem: DecidedProblem, cause: "too-large" | "damaged" | "no-table"): HelpProblem[] =>
    files(problem).map((filename) => ({ kind: "attachment-unreadable", filename, cause }));
  return problems.flatMap((problem): HelpProblem[] => {
    switch (problem) {
      case "unreadable-activity":
        return [{ kind: "unreadable-activity", text: calculation?.activityText ?? "" }];
      case "attachment-unreadable":
        return perFile(problem, "damaged");
      case "attachment-too-large":
        return perFile(problem, "too-large");
      case "attachment-without-table":
        return perFile(problem, "no-table");
      case "attachment-unsupported":
        return [
          {
            kind: "attachment-unreadable",
            filename: attachedFileName(intake, UNREAD_DOCUMENT),
            cause: "unsupported-type",
          },
        ];
      case "row-without-identifier":
        return [
          {
            kind: "row-without-identifier",
            tables: issues(problem).map((i) => ({
              filename: i.filename,
              sheet: i.sheet ?? null,
              table: i.table ?? null,
              rows: i.rows ?? [],
            })),
          },
        ];
      case "finess-column-ambiguous":
        return files(problem).map((filename) => ({ kind: "finess-column-ambiguous", filename }));
      case "too-many-identifiers":
        return [{ kind: "too-many-identifiers", count, limit: settings.maxIdentifiers }];
      case "several-requests":
        return [{ kind: "several-requests", references: calculation?.requestReferences ?? [] }];
      case "body-too-large":
      case "message-too-large":
        return [{ kind: "body-too-large", limitBytes: settings.maxBodyBytes }];
      default:
        return [{ kind: problem }];
    }
  });
}

export function helpData(
  intake: Intake,
  problems: readonly DecidedProblem[],
  settings: ReplySettings,
): HelpEmailData {
  const calculation = intake.calculation;
  return {
    contactAddress: settings.contactAddress,
    submissionAddress: settings.submissionAddress,
    sender: intake.from ?? "",
    originalSubject: intake.subject || null,
    understood: {
      reference: calculation?.reference ?? null,
      activity: calculation?.activity ?? null,
      recipient: calculation?.recipient ?? null,
      counts: {
        amRadio: calculation?.lists.amRadio.length ?? 0,
        finessRadio: calculation?.lists.finessRadio.length ?? 0,
        amMn: calculation?.lists.amMn.length ?? 0,
        finessMn: calculation?.lists.finessMn.length ?? 0,
      },
    },
    problems: helpProblems(intake, problems, settings),
    maxIdentifiers: settings.maxIdentifiers,
  };
}

export function unauthorisedData(
  intake: Intake,
  freeMail: FreeMailList,
  settings: ReplySettings,
): UnauthorisedEmailData {
  const sender = intake.from ?? "";
  return {
    contactAddress: settings.contactAddress,
    submissionAddress: settings.submissionAddress,
    sender,
    reference: intake.calculation?.reference ?? null,
    senderIsFreeMail: freeMail.contains(sender),
  };
}
