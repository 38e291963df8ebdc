import { Command } from "commander";
import { registerAccessCommands } from "./access.ts";
import { registerCalcCommand } from "./calc.ts";
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
    .configureOutput({ writeErr: (text) => process.stderr.write(text) });
  registerReferenceCommands(program);
  registerAccessCommands(program);
  registerCalcCommand(program);
  registerDaemonCommand(program);
  registerStatusCommand(program);
  registerTicketCommands(program);
  registerOutboxCommands(program);
  registerPurgeCommand(program);
  registerPreviewCommand(program);
  registerInspectCommand(program);
  return program;
}

await buildProgram().parseAsync(process.argv);
