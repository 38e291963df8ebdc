import type { DNSResolver } from "mailauth";
import type { Config } from "../config/schema.ts";
import type { IntakeContext, Mailbox } from "./types.ts";

/** The intake context of one mailbox from the validated configuration. */
export function intakeContextFromConfig(
  config: Config,
  mailbox: Mailbox,
  resolver?: DNSResolver,
): IntakeContext {
  return {
    mailbox,
    addresses: {
      contact: config.contactAddress,
      submission: config.submissionAddress,
      noreply: config.noreplyAddress,
    },
    authMode: config.authMode,
    authservId: config.authservId,
    limits: {
      maxBodyBytes: config.maxBodyBytes,
      maxAttachmentBytes: config.maxAttachmentBytes,
      maxAttachments: config.maxAttachments,
      maxIdentifiers: config.maxIdentifiers,
    },
    ...(resolver ? { resolver } : {}),
  };
}
