import { userInfo } from "node:os";
import { AccessRequestError } from "../access/requests.ts";
import { InvalidAddressError } from "../access/store.ts";
import { CalculationNotFoundError } from "../calculations/store.ts";
import { ConfigError, loadConfig } from "../config/load.ts";
import type { Config } from "../config/schema.ts";
import { DaemonLockedError } from "../daemon/lock.ts";
import { DatabaseUnavailableError, type Db, openDatabase } from "../db/client.ts";
import { ImportConnectionLostError } from "../reference/bulk-session.ts";
import { NoDatasetError } from "../reference/datasets.ts";
import { ReferenceImportError } from "../reference/import.ts";
import { TicketNotFoundError } from "../support/tickets.ts";

/** A mistake in how the command was called: exit code 2, like commander's own usage errors. */
export class UsageError extends Error {}

/** Errors whose message is the whole story for the operator (no stack trace). */
const EXPECTED_ERRORS = [
  UsageError,
  ConfigError,
  NoDatasetError,
  ReferenceImportError,
  InvalidAddressError,
  AccessRequestError,
  TicketNotFoundError,
  CalculationNotFoundError,
  DaemonLockedError,
  DatabaseUnavailableError,
  ImportConnectionLostError,
];

/**
 * Runs a command body with the configuration and an open, migrated database, and turns failures
 * into a message on stderr and a non-zero exit code.
 */
export async function withDatabase(body: (db: Db, config: Config) => Promise<void>): Promise<void> {
  await withConfig(async (config) => {
    const db = await openDatabase(config.databaseUrl);
    try {
      await body(db, config);
    } finally {
      await db.$disconnect();
    }
  });
}

export async function withConfig(body: (config: Config) => Promise<void>): Promise<void> {
  try {
    await body(loadConfig());
  } catch (error) {
    const expected = EXPECTED_ERRORS.some((kind) => error instanceof kind);
    process.stderr.write(
      `tranche : ${expected ? (error as Error).message : String((error as Error)?.stack ?? error)}\n`,
    );
    process.exitCode = error instanceof UsageError ? 2 : 1;
  }
}

/** Who an operator's action is recorded as. */
export function operatorName(): string {
  return `operator:${personName()}`;
}

/** Who a support decision (approving or denying a request) is recorded as. */
export function supportName(): string {
  return `support:${personName()}`;
}

function personName(): string {
  return process.env.TRANCHE_OPERATOR || process.env.SUDO_USER || process.env.USER || userInfo().username;
}
