// The provider's steps on a market's page: commit the hidden test set (split,
// salted and hashed here; the secrets go to a file the provider downloads,
// never to the server), reveal the drawn first portion, then after
// participation every other portion, one transaction each. Each step's wait
// is shown as a countdown; a step taken too early, or with a secrets file
// that is not this market's, is refused with a sentence and nothing is sent.
import { $, state, api, esc, show, busy, done, countdown, tickCountdowns, UserError, addressLink } from "./core.js";
import { act } from "./wallet.js";
import { parseTestSet, splitTestSet, secretsDocument, download, readSecrets } from "./secrets.js";

// Secrets made or loaded on this page, by market address: kept in this
// tab's memory only (never in storage, never sent before a reveal).
const kept = new Map();

export async function renderProvider(section, m) {
  const account = state.account ? `?account=${state.account}` : "";
  const v = await api(`/api/markets/${m.address}/provider${account}`);
  const mine = v.is_owner || v.is_provider;
  section.hidden = false;
  if (!mine) {
    section.innerHTML = `<h2 id="provider-title">Provider</h2>
      <p class="muted" id="provider-note">${v.phase === "setup"
        ? `Waiting for the owner ${addressLink(v.owner)} to commit a hidden test set with a bounty. Choose that account (top right) to do it here.`
        : `The provider ${addressLink(v.provider)} commits and reveals the test set; choose that account (top right) to take those steps here.`}</p>`;
    return;
  }
  const secrets = kept.get(m.address.toLowerCase());
  const loader = `<div class="field"><label for="secrets-file">Secrets file</label><input type="file" id="secrets-file" accept=".json,application/json" aria-describedby="secrets-hint">
    <span class="hint" id="secrets-hint">${secrets ? "The secrets made on this page are loaded; choose a file to use another." : "The file you downloaded when you committed (or that <code>ape run market commit --out</code> wrote)."}</span></div>`;
  let body = "";
  if (v.phase === "setup") {
    body = `<p>Commit a hidden test set with a bounty: anyone may then train the model, and the bounty pays those whose contributions lowered its errors on your test set. The test set is split, salted and hashed <strong>in this browser</strong>; only the hashes and the bounty are sent.</p>
      <form id="commit-form">
        <div class="row">
          <div class="field"><label for="commit-file">Test set (JSON or CSV)</label><input type="file" id="commit-file" accept=".json,.csv,application/json,text/csv" aria-describedby="commit-hint"></div>
          <div class="field"><label for="commit-portions">Portions</label><input id="commit-portions" type="number" min="${v.limits.min_portions}" max="${v.limits.max_portions}" value="4"></div>
          <div class="field"><label for="commit-bounty">Bounty</label><input id="commit-bounty" value="1ether" aria-describedby="bounty-hint"></div>
        </div>
        <p class="hint" id="commit-hint">JSON: <code>{"samples": [[1, 5, 9], …], "labels": [1, …]}</code>; CSV: <code>label,indices separated by spaces</code>. Features 0 to ${v.num_features - 1}.</p>
        <p class="hint" id="bounty-hint">Wei, or a number with gwei or ether; at least one stake (${esc(v.stake.eth)}).</p>
        <div class="row"><button type="submit" id="commit-prepare">Split and hash</button></div>
      </form>
      <div id="commit-plan"></div>`;
  } else if (v.phase === "committed") {
    body = `<p>Committed: ${v.num_portions} portions, bounty ${esc(v.bounty.eth)}. Reveal the portion the chain draws, which opens participation, before the commit window closes: <strong>${countdown(v.commit_deadline, "the window is closed: anyone may cancel", "closes in")}</strong>.</p>
      ${loader}
      <div class="row"><button type="button" id="reveal-first">Reveal the first portion</button>
        <button type="button" id="provider-cancel" class="secondary">Cancel the market</button></div>`;
  } else if (v.phase === "participation") {
    const early = v.contributions < v.min_contributions ? v.may_end_at : v.now;
    body = `<p>Participation is open (first portion ${v.first_portion} revealed). It closes ${countdown(v.participation_deadline, "now: anyone may end it", "in")}.
      You may end it ${early > v.now ? countdown(early, "now", "in") : "now"}${v.contributions < v.min_contributions ? `, or once ${v.min_contributions} contributions are in (${v.contributions} so far)` : ""}, with “End participation” below.
      Then reveal the other ${v.num_portions - 1} portions, one transaction each.</p>
      ${loader}
      <div class="row"><button type="button" id="reveal-next">Reveal the next portion</button></div>`;
  } else if (v.phase === "reveal") {
    const left = v.num_portions - 1 - revealedCount(v);
    body = `<p>Participation has ended. Reveal every other portion before the reveal window closes, or the bounty is forfeited: <strong>${countdown(v.reveal_deadline, "closed", "closes in")}</strong>.
      Next: portion ${v.next_portion}; <span id="reveal-left">${left}</span> left.</p>
      ${loader}
      <div class="row"><button type="button" id="reveal-next">Reveal portion ${v.next_portion}</button></div>`;
  } else {
    body = `<p>${v.phase === "cancelled" ? "The market was cancelled; the bounty is owed back to the provider." : `The test set is revealed (${v.num_test_samples} samples evaluated). Anyone may process the rewards, then withdraw.`}</p>`;
  }
  section.innerHTML = `<h2 id="provider-title">Provider</h2>
    <div id="provider-message" class="message" role="status" hidden></div>${body}`;
  tickCountdowns();
  bind(section, m, v);
}

function revealedCount(v) {
  // Portions are revealed in increasing order, skipping the first one drawn.
  return v.next_portion - (v.first_portion !== null && v.first_portion < v.next_portion ? 1 : 0);
}

function bind(section, m, v) {
  const box = $("#provider-message");
  const url = `/api/markets/${m.address}/provider/prepare`;
  const run = (button, work) => busy(button, async () => { try { await work(); } catch (error) { show(box, "error", error.message); } });
  const key = m.address.toLowerCase();
  const portions = async () => {
    const file = $("#secrets-file")?.files[0];
    if (file) {
      const loaded = readSecrets(file.name, await file.text(), m.address, v.hashes);
      kept.set(key, loaded);
      return loaded;
    }
    return kept.get(key) || null;
  };
  $("#commit-form")?.addEventListener("submit", (event) => {
    event.preventDefault();
    run($("#commit-prepare"), async () => {
      const file = $("#commit-file").files[0];
      if (!file) throw new UserError("Choose a test-set file first.");
      const split = splitTestSet(parseTestSet(file.name, await file.text()), Number($("#commit-portions").value), v.num_features, v.limits);
      planCommit(m, v, split, box, url);
    });
  });
  $("#reveal-first")?.addEventListener("click", (event) => run(event.currentTarget, async () => {
    const loaded = await portions();
    if (!loaded) throw new UserError("Load the secrets file first: it holds the portions and their salts.");
    show(box, "info", "Finding the portion the chain drew…");
    const { index } = await api(url, { action: "first_index", from: state.account });
    const { hash } = await act(url, { action: "reveal_first", portion: loaded[index] }, box);
    await done(box, `Portion ${index} revealed: participation is open.`, hash);
  }));
  $("#reveal-next")?.addEventListener("click", (event) => run(event.currentTarget, async () => {
    const loaded = await portions();
    const portion = loaded ? loaded[v.next_portion] : undefined;
    const { prepared, hash } = await act(url, { action: "reveal", portion }, box);
    await done(box, `Portion ${prepared.index} revealed.`, hash);
  }));
  $("#provider-cancel")?.addEventListener("click", (event) => run(event.currentTarget, async () => {
    const { hash } = await act(url, { action: "cancel" }, box);
    await done(box, "Market cancelled: withdraw the bounty below.", hash);
  }));
  $("#secrets-file")?.addEventListener("change", async () => {
    try {
      await portions();
      show(box, "ok", "The secrets file matches this market's commitment.");
    } catch (error) { show(box, "error", error.message); }
  });
}

// After the split: the secrets file must be downloaded before the commit is sent.
function planCommit(m, v, split, box, url) {
  const filename = `market-${m.address.slice(2, 10).toLowerCase()}-secrets.json`;
  const text = secretsDocument(m.address, split);
  let saved = false;
  $("#commit-plan").innerHTML = `
    <dl class="facts" id="commit-summary"><dt>Test samples</dt><dd>${split.reduce((n, p) => n + p.samples.length, 0)}</dd>
      <dt>Portions</dt><dd>${split.length} (${split.map((p) => p.samples.length).join(", ")} samples)</dd>
      <dt>Hashes</dt><dd class="mono">${split.map((p) => esc(p.hash.slice(0, 14)) + "…").join(" ")}</dd></dl>
    <div class="message warn"><p>Keep the secrets file: it holds the portions and their salts. Without it the test set cannot be revealed and the bounty is forfeited. It exists only in this browser until you save it.</p></div>
    <div class="row"><button type="button" id="commit-download" class="secondary">Download the secrets file</button>
      <button type="button" id="commit-send">Commit with bounty</button></div>`;
  $("#commit-download").addEventListener("click", () => {
    download(filename, text);
    saved = true;
    kept.set(m.address.toLowerCase(), split);
    show(box, "info", `Saved ${filename}. Keep it private until you reveal.`);
  });
  $("#commit-send").addEventListener("click", (event) => busy(event.currentTarget, async () => {
    try {
      if (!saved) throw new UserError("Download the secrets file first: without it the portions cannot be revealed and the bounty is lost. Nothing was sent.");
      const { prepared, hash } = await act(url, { action: "commit", hashes: split.map((p) => p.hash), bounty: $("#commit-bounty").value.trim() }, box);
      await done(box, `Committed: ${prepared.summary}. Now reveal the first portion.`, hash);
    } catch (error) { show(box, "error", error.message); }
  }));
}
