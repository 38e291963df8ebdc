import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SentJournal } from "../../src/outbox/journal.ts";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "tranche-journal-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("the send journal", () => {
  it("keeps every Message-ID of a burst of concurrent sends, in the order they were accepted", async () => {
    const path = join(dir, "journal");
    const journal = new SentJournal(path);
    const ids = Array.from({ length: 40 }, (_, i) => `<resultat-${i}@tranche.example.fr>`);
    // The first append is in flight while the others arrive: they are written together after it.
    await Promise.all(ids.map((id) => journal.record(id)));
    await journal.close();
    expect(readFileSync(path, "utf8")).toBe(ids.map((id) => `${id}\n`).join(""));
    expect(new SentJournal(path).recorded()).toEqual(ids);
  });

  it("resolves an append only once its line is in the file", async () => {
    const path = join(dir, "journal");
    const journal = new SentJournal(path);
    await journal.record("<a@tranche.example.fr>");
    const second = journal.record("<b@tranche.example.fr>");
    const third = journal.record("<c@tranche.example.fr>");
    await second;
    expect(readFileSync(path, "utf8")).toContain("<b@tranche.example.fr>\n");
    await third;
    expect(journal.recorded()).toEqual([
      "<a@tranche.example.fr>",
      "<b@tranche.example.fr>",
      "<c@tranche.example.fr>",
    ]);
    await journal.close();
  });

  it("keeps what is recorded after a truncation, and only that", async () => {
    const path = join(dir, "journal");
    const journal = new SentJournal(path);
    const before = [
      journal.record("<avant-1@tranche.example.fr>"),
      journal.record("<avant-2@tranche.example.fr>"),
    ];
    const cleared = journal.clear();
    const after = journal.record("<apres@tranche.example.fr>");
    await Promise.all([...before, cleared, after]);
    expect(journal.recorded()).toEqual(["<apres@tranche.example.fr>"]);
    expect(journal.bytes).toBe("<apres@tranche.example.fr>\n".length);
    await journal.close();
  });
});
