import type { ResultView } from "./result-view.ts";

export const TEMPLATE_NAMES = ["result"] as const;
export type TemplateName = (typeof TEMPLATE_NAMES)[number];

/** The data each email is rendered from. */
export interface TemplateData {
  result: ResultView;
}

/** The documented subject of the result email (SPEC §7), kept exactly. */
export const RESULT_SUBJECT =
  "Ségur Numérique - Imagerie - Calcul de la tranche de financement des prestations";

const subjects: { [N in TemplateName]: (data: TemplateData[N]) => string } = {
  result: () => RESULT_SUBJECT,
};

const views: { [N in TemplateName]: (data: TemplateData[N]) => object } = {
  result: (data) => data,
};

export function subjectOf<N extends TemplateName>(name: N, data: TemplateData[N]): string {
  return subjects[name](data);
}

/** The Handlebars context of an email: its data with the French wording it needs. */
export function viewOf<N extends TemplateName>(name: N, data: TemplateData[N]): object {
  return views[name](data);
}
