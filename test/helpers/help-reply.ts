import { helpData } from "../../src/daemon/replies.ts";
import type { Intake } from "../../src/intake/types.ts";
import { parseTemplateData } from "../../src/render/data-schemas.ts";
import { helpView } from "../../src/render/help-view.ts";

const SETTINGS = {
  contactAddress: "contact@example.test",
  submissionAddress: "calcul@example.test",
  maxIdentifiers: 5000,
  maxBodyBytes: 1024 * 1024,
};

/** The help reply's problem lines, its data checked against the template's schema as the CLI does. */
export function helpLines(intake: Intake): string[] {
  const data = helpData(intake, intake.calculation!.problems, SETTINGS);
  parseTemplateData("help", data);
  // Guillemets hold their text with no-break spaces: compared here as plain spaces.
  return helpView(data).problems.map((line) => line.replace(/\u00a0/g, " "));
}

/** The four lists of a request, in the web form's order. */
export const lists = (finessRadio: string[], amRadio: string[], finessMn: string[], amMn: string[]) => ({
  finessRadio,
  amRadio,
  finessMn,
  amMn,
});
