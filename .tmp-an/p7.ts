import { readInbound } from "../src/intake/intake.ts";
import { authenticatedHeaders, intakeContext, rawMessage } from "../test/helpers/intake.ts";
const body = process.argv[2]!.replace(/\\n/g, "\n");
const raw = rawMessage({ ...authenticatedHeaders("a.b@editeur-ris.fr") }, body);
const c = (await readInbound(raw, intakeContext())).calculation;
console.log(JSON.stringify({ ref: c?.reference, act: c?.activity, lists: c?.lists, problems: c?.problems, refs: c?.requestReferences }));
