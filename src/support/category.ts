import type { SupportCategory } from "../intake/types.ts";

/** What a support ticket is about (SPEC §8): an access request to review, or what intake read. */
export type TicketCategory = "access-review" | SupportCategory;

export const TICKET_CATEGORIES: readonly TicketCategory[] = ["access-review", "dispute", "question", "other"];
