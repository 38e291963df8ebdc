import { Command, CommanderError } from "commander";
import { registerAccessCommands } from "./access.ts";
import { registerCalcCommand } from "./calc.ts";
import { registerCalculationCommands } from "./calculation.ts";
import { registerDaemonCommand } from "./daemon.ts";
import { registerInspectCommand } from "./inspect.ts";
import { registerOutboxCommands } from "./outbox.ts";
import { registerPreviewCommand } from "./preview.ts";
import { registerPurgeCommand } from "./purge.ts";
import { registerReferenceCommands } from "./reference.ts";
import { registerStatusCommand } from "./status.ts";
import { registerTicketCommands } from "./tickets.ts";

/** Builds the `tranche` command line; every command group lives in its own file. */
export function buildProgram(): Command {
  const program = new Command("tranche")
    .description("Service de calcul de tranche de financement — Ségur numérique Imagerie vague 2")
    .showHelpAfterError()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) })
    // Commander's own exits (inherited by every command registered below) are thrown instead,
    // to end a usage mistake with the code of the project's other usage errors (below).
    .exitOverride();
  registerReferenceCommands(program);
  registerAccessCommands(program);
  registerCalcCommand(program);
  registerCalculationCommands(program);
  registerDaemonCommand(program);
  registerStatusCommand(program);
  registerTicketCommands(program);
  registerOutboxCommands(program);
  registerPurgeCommand(program);
  registerPreviewCommand(program);
  registerInspectCommand(program);
  return program;
}

try {
  await buildProgram().parseAsync(process.argv);
} catch (error) {
  if (!(error instanceof CommanderError)) throw error;
  // Commander has said what is wrong. Help and version end well; a usage mistake (an unknown
  // command or option, a missing argument or required option) ends with 2, as UsageError does.
  process.exitCode = error.exitCode === 0 ? 0 : 2;
}
