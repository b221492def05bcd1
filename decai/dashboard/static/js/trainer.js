// A deposit or points trainer: predict, add, my contributions (refund),
// others' (report), points and badges, the data set.
import { $, state, api, esc, short, date, duration, show, clear, busy, done, countdown, tickCountdowns, words, mechanismTag, addressLink, txLink } from "./core.js";
import { nameOf, describe, trustNotice, bindTrust } from "./safety.js";
import { act } from "./wallet.js";
import { healthSections, loadHealth } from "./health.js";
import { sampleCell, keepRaw, rawSection, bindRawImport } from "./raw.js";

export async function pageTrainer(main, address) {
  const account = state.account ? `?account=${state.account}` : "";
  const t = await api(`/api/trainers/${address}${account}`);
  state.clockOffset = t.now - Math.floor(Date.now() / 1000);
  const isText = t.input.kind === "text";
  const inputField = (id) => isText
    ? `<textarea id="${id}" name="input" required aria-describedby="${id}-hint"></textarea>`
    : `<input id="${id}" name="input" required autocomplete="off" aria-describedby="${id}-hint">`;
  const classOptions = t.classes.map((c) => `<option value="${esc(c)}">${esc(c)}</option>`).join("");
  const points = t.mechanism === "points";
  const deposit = t.mechanism === "deposit"
    ? `<span id="deposit-quote">Deposit if you add now: <strong id="current-deposit" data-quote="${t.address}" data-wei="${t.quote.deposit.wei}">${esc(t.quote.deposit.eth)}</strong></span>
       <span class="muted">(for the next block, <span id="quote-time" data-quote="${t.address}" data-part="at">${date(t.quote.at)}</span>; it falls while nobody adds).</span>
       Your wallet is asked for it plus a ${t.quote.margin_percent}% margin, <strong id="deposit-send" data-quote="${t.address}" data-part="value">${esc(t.quote.value.eth)}</strong>, in case another addition lands first; what the contract does not take comes back in the same transaction.
       The deposit comes back after ${duration(t.refund_wait_s)} if the model then agrees with your label; otherwise reporters may take it.`
    : `Adding is free: a contribution the model still agrees with after ${duration(t.refund_wait_s)} earns a point.`;
  const mine = (t.mine || []).map((c) => `<tr>
      <td data-label="Sample">${sampleCell(t, c)}</td><td data-label="Label">${esc(c.class)}</td>
      <td data-label="Added">${txLink(c.transaction, date(c.added_time))}</td>
      <td data-label="Status">${c.refunded ? `<span class="ok-text">${t.mechanism === "points" ? "point earned" : "refunded"}</span>` : c.settled ? "settled" : c.problem ? esc(c.problem) : `<span class="ok-text">${t.mechanism === "points" ? "can claim its point" : "can be refunded now"}</span>`}</td>
      ${points ? "" : `<td data-label="Claimable">${esc(c.claimable.eth)}</td>`}
      <td data-label="When">${c.settled ? "" : countdown(c.opens_at, points ? "its point can be claimed now" : "open now", points ? "claimable in" : "opens in")}</td>
      <td data-label="">${!c.settled && !c.problem ? `<button type="button" class="small refund" data-c='${esc(JSON.stringify(c))}'>${t.mechanism === "points" ? "Claim point" : "Refund"}</button>` : c.settled ? "" : `<button type="button" class="small secondary refund" data-c='${esc(JSON.stringify(c))}'>${t.mechanism === "points" ? "Claim point" : "Refund"}</button>`}</td></tr>`).join("");
  const others = (t.others || []).map((c) => `<tr>
      <td data-label="Author">${addressLink(c.author, short(c.author))}</td><td data-label="Sample">${sampleCell(t, c)}</td>
      <td data-label="Label">${esc(c.class)}</td><td data-label="Added">${txLink(c.transaction, date(c.added_time))}</td>
      <td data-label="You get">${c.share ? esc(c.share.eth) : "—"}</td>
      <td data-label="When">${c.problem ? (c.problem.startsWith("too early") ? countdown(c.opens_at, "open now") : esc(c.problem)) : "now"}</td>
      <td data-label=""><button type="button" class="small report${c.problem ? " secondary" : ""}" data-c='${esc(JSON.stringify(c))}'>Report</button></td></tr>`).join("");
  const dataset = t.dataset.map((c) => `<tr><td data-label="Sample">${sampleCell(t, c)}</td><td data-label="Label">${esc(c.class)}</td>
      <td data-label="Author">${addressLink(c.author, short(c.author))}</td><td data-label="Added">${txLink(c.transaction, date(c.added_time))}</td></tr>`).join("");
  const pointsCard = t.mechanism === "points" && t.points ? `
    <section class="card" aria-labelledby="points-title" id="points">
      <h2 id="points-title">Your points and badges</h2>
      <dl class="facts"><dt>Contributions</dt><dd>${t.points.contributions ?? 0}</dd><dt>Points</dt><dd id="points-count">${t.points.points ?? 0}</dd>
      <dt>Reports made</dt><dd>${t.points.reports_made ?? 0}</dd><dt>Reported</dt><dd>${t.points.reported ?? 0}</dd></dl>
      <div class="badges" id="badges" aria-label="Badges">${(t.badges || []).map((b) => `<span class="badge">${esc(b)}</span>`).join("") || `<span class="muted">No badges yet.</span>`}</div>
    </section>` : "";
  const who = state.account ? "" : `<p class="message info">Choose an account (top right) to add data, see your contributions and report others'.</p>`;
  main.innerHTML = `
    <p><a href="#/">← All models</a></p>
    <h1>${esc(nameOf(t))}</h1>
    <p class="lead">${describe(t)}</p>
    ${trustNotice(t)}
    <p>${mechanismTag(t.mechanism)}<span class="tag">${esc(t.model_type)}</span> <span class="muted">classes ${t.classes.map(esc).join(", ")} · ${t.contributions} contributions · ${addressLink(t.address)}${t.deployment ? ` · deployed by ${addressLink(t.deployment.deployer, short(t.deployment.deployer))} in ${txLink(t.deployment.transaction)}` : ""} · <a href="#/about/${t.address}">How this model's rules work</a></span></p>
    ${who}
    <div class="two">
      <section class="card" aria-labelledby="predict-title">
        <h2 id="predict-title">Predict</h2>
        <form id="predict-form">
          <div class="field"><label for="predict-input">${isText ? "Text" : "Values"}</label>${inputField("predict-input")}
            <span class="hint" id="predict-input-hint">${esc(t.input.hint)}</span></div>
          <div><button type="submit">Predict</button></div>
          <div id="predict-message" class="message" role="status" hidden></div>
          <div id="predict-result" class="result" aria-live="polite"></div>
        </form>
      </section>
      <section class="card" aria-labelledby="add-title">
        <h2 id="add-title">Add data</h2>
        <form id="add-form">
          <div class="field"><label for="add-input">${isText ? "Text" : "Values"}</label>${inputField("add-input")}
            <span class="hint" id="add-input-hint">${esc(t.input.hint)}</span></div>
          <div class="field"><label for="add-label">Label</label><select id="add-label" name="label" required>${classOptions}</select></div>
          <p class="hint">${deposit}</p>
          <div><button type="submit">Add data</button></div>
          <div id="add-message" class="message" role="status" hidden></div>
        </form>
      </section>
    </div>
    ${pointsCard}
    ${healthSections(t)}
    ${state.account ? `
    <section class="card" aria-labelledby="mine-title">
      <h2 id="mine-title">My contributions</h2>
      <div id="mine-message" class="message" role="status" hidden></div>
      ${mine ? `<div class="table-wrap"><table class="responsive" id="mine"><thead><tr><th>Sample</th><th>Label</th><th>Added</th><th>Status</th>${points ? "" : "<th>Claimable</th>"}<th>When</th><th></th></tr></thead><tbody>${mine}</tbody></table></div>` : `<p class="muted">You have not added data to this model.</p>`}
    </section>
    <section class="card" aria-labelledby="others-title">
      <h2 id="others-title">Others' contributions you can report</h2>
      <p class="hint">You need at least one ${t.mechanism === "points" ? "point" : "refunded contribution"} of your own, and the model must disagree with their label.</p>
      <div id="others-message" class="message" role="status" hidden></div>
      ${others ? `<div class="table-wrap"><table class="responsive" id="others"><thead><tr><th>Author</th><th>Sample</th><th>Label</th><th>Added</th><th>You get</th><th>When</th><th></th></tr></thead><tbody>${others}</tbody></table></div>` : `<p class="muted">Nothing to report now.</p>`}
    </section>` : ""}
    <section class="card" aria-labelledby="data-title">
      <h2 id="data-title">Crowd-sourced data set</h2>
      <p><a id="csv-link" href="/api/trainers/${t.address}/dataset.csv" download>Download as CSV</a> <span class="muted">(${t.dataset.length} samples)</span></p>
      ${dataset ? `<div class="table-wrap"><table class="responsive" id="dataset"><thead><tr><th>Sample</th><th>Label</th><th>Author</th><th>Added</th></tr></thead><tbody>${dataset}</tbody></table></div>` : `<p class="muted">No contributions yet.</p>`}
      ${t.input.kind === "indices" ? "" : rawSection(t)}
    </section>`;
  tickCountdowns();
  bindTrust(t);
  bindRawImport(t);
  loadHealth(t);

  $("#predict-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const box = $("#predict-message"), out = $("#predict-result");
    busy($("#predict-form button"), async () => {
      clear(box); out.innerHTML = `<span class="loading">Asking the model</span>`;
      try {
        const p = await api(`/api/trainers/${t.address}/predict`, { input: $("#predict-input").value });
        out.innerHTML = `Prediction: <strong id="prediction">${esc(p.class)}</strong><div class="hint">Used ${p.features.length} ${isText ? "word(s)" : "feature(s)"}:</div>${words(p.features)}`;
      } catch (error) { out.innerHTML = ""; show(box, "error", error.message); }
    });
  });
  $("#add-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const box = $("#add-message");
    busy($("#add-form button"), async () => {
      try {
        const input = $("#add-input").value;
        const { receipt, hash } = await act(`/api/trainers/${t.address}/prepare`, { action: "add", input, label: $("#add-label").value }, box);
        const kept = await keepRaw(t, hash, input);
        await done(box, (points
          ? `Added. Its point can be claimed in ${duration(t.refund_wait_s)} if the model agrees then.`
          : `Added: ${receipt.outcome || "done"}. It can be refunded in ${duration(t.refund_wait_s)} if the model agrees then.`) + kept, hash);
      } catch (error) { show(box, "error", error.message); }
    });
  });
  for (const [cls, action, boxId] of [["refund", "refund", "#mine-message"], ["report", "report", "#others-message"]]) {
    for (const button of document.querySelectorAll(`button.${cls}`)) {
      button.addEventListener("click", () => {
        const box = $(boxId);
        busy(button, async () => {
          try {
            const contribution = JSON.parse(button.dataset.c);
            const { receipt, hash } = await act(`/api/trainers/${t.address}/prepare`, { action, contribution }, box);
            const text = points
              ? (action === "refund" ? "Point claimed: the contribution counts as good." : "Reported: the contribution counts as bad.")
              : `${action === "refund" ? "Refund" : "Report"} done: ${receipt.outcome || "settled"}.`;
            await done(box, text, hash);
          } catch (error) { show(box, "error", error.message); }
        });
      });
    }
  }
}
