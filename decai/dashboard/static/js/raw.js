// The contributors' own data: the text (or the numbers) someone typed, kept
// off chain by the server in the network's raw-input store, keyed by the
// transaction and checked against its on-chain sample. Tables show it where
// it is known and the encoded sample otherwise; the page can import someone
// else's store file (.jsonl) or a data-set CSV with a raw column.
import { $, api, esc, show, done, busy } from "./core.js";
import { hidden, wordsOf } from "./safety.js";

// A contribution's sample cell: the raw input as typed, or the encoded form.
export function sampleCell(t, c) {
  if (hidden(t) || c.raw === null || c.raw === undefined) return wordsOf(t, c.words);
  const text = typeof c.raw === "string" ? c.raw : c.raw.map((v) => String(v)).join(", ");
  const kind = typeof c.raw === "string" ? "text" : "numbers";
  return `<span class="raw-input" data-kind="${kind}" title="As the contributor typed it; checked against the sample on chain">${esc(text)}</span>`;
}

// After the page's own addition: hand the typed input to the server, which
// keeps it once the transaction's sample confirms it. A failure to keep it
// does not undo the addition: it is said next to the outcome.
export async function keepRaw(t, hash, input) {
  try {
    await api(`/api/trainers/${t.address}/raw`, { hash, input });
    return "";
  } catch (error) {
    return ` Your text was not kept for the data set: ${error.message}`;
  }
}

export function rawSection(t) {
  return `
    <div class="raw-share" id="raw-share">
      <h3 id="raw-title">Contributors' own texts: share or import</h3>
      <p class="hint">Where a sample shows the text or numbers as typed, this computer's raw-input store knows them (kept when the data was added here, by <code>ape run add_data</code> or the SDK, or imported). Every entry is checked: the trainer's encoder must turn it into the very sample its transaction added.</p>
      <p><a id="raw-link" href="/api/trainers/${t.address}/raw-inputs.jsonl" download>Download the raw inputs (.jsonl)</a></p>
      <form id="raw-import-form">
        <div class="field"><label for="raw-file">Import a raw-input store (.jsonl) or a data-set CSV with a raw column</label>
          <input type="file" id="raw-file" accept=".jsonl,.json,.csv" required></div>
        <div><button type="submit" class="secondary">Import</button></div>
        <div id="raw-message" class="message" role="status" hidden></div>
      </form>
    </div>`;
}

export function bindRawImport(t) {
  const form = $("#raw-import-form");
  if (!form) return;
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const box = $("#raw-message"), file = $("#raw-file").files[0];
    busy($("#raw-import-form button"), async () => {
      try {
        if (!file) { show(box, "error", "Choose a .jsonl raw-input store or a .csv data set first."); return; }
        const result = await api(`/api/trainers/${t.address}/raw/import`, { name: file.name, text: await file.text() });
        const again = result.already ? ` (${result.already} already known)` : "";
        await done(box, `Imported ${result.added} raw input(s) from ${file.name}${again}.`);
      } catch (error) { show(box, "error", error.message); }
    });
  });
}
