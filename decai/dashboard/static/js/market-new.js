// Creating a prediction market: a sparse perceptron (an uploaded model file,
// or zero weights over a number of features) behind the market, its stake
// and waits; the plan, each transaction signed in turn, then the record.
// Committing the test set follows on the new market's page (provider.js).
import { $, state, api, esc, show, clear, busy, UserError, addressLink } from "./core.js";
import { sendTransaction, waitFor, refreshBalance } from "./wallet.js";

const FIELDS = [
  ["stake", "Stake per contribution", "0.01ether", "Wei, or a number with gwei or ether."],
  ["min_duration", "Provider may end after", "1d", ""],
  ["max_duration", "Participation closes after", "7d", ""],
  ["min_contributions", "Or after this many contributions", "10", "The provider may end early once this many are in."],
  ["commit_window", "Time to reveal the first portion", "1d", "After committing; then anyone may cancel."],
  ["reveal_window", "Time to reveal the rest", "1d", "After participation; then the bounty is forfeited."],
];

export async function pageNewMarket(main) {
  main.innerHTML = `
    <p><a href="#/">← All models</a></p>
    <h1>Create a prediction market</h1>
    <p class="lead">You stake a bounty for a better model and keep a test set hidden until participation ends; contributors train the model one staked sample at a time, and the bounty pays those who lowered its errors on your test set. Create the market here, then commit and reveal the test set on its page.</p>
    <section class="card">
      <form id="new-market-form">
        <div class="row">
          <div class="field"><label for="nm-model">Model file (optional)</label><input type="file" id="nm-model" accept=".json,application/json" aria-describedby="nm-model-hint">
            <span class="hint" id="nm-model-hint">A decai sparse perceptron; without one the market starts from zero weights.</span></div>
          <div class="field"><label for="nm-features">Features</label><input id="nm-features" value="1000" inputmode="numeric"></div>
          <div class="field"><label for="nm-name">Name in the records</label><input id="nm-name" autocomplete="off" placeholder="market model"></div>
        </div>
        <div class="row">${FIELDS.map(([key, label, value, hint]) => `<div class="field"><label for="nm-${key}">${label}</label><input id="nm-${key}" value="${value}"${hint ? ` aria-describedby="nm-${key}-hint"` : ""}>${hint ? `<span class="hint" id="nm-${key}-hint">${hint}</span>` : ""}</div>`).join("")}</div>
        <p class="hint">Durations: seconds, or a number with s, m, h, d or w (e.g. 1d).</p>
        <div class="row"><button type="submit" id="nm-estimate">Estimate</button></div>
        <div id="nm-message" class="message" role="status" hidden></div>
      </form>
      <div id="nm-plan"></div>
    </section>`;
  const box = $("#nm-message");
  $("#new-market-form").addEventListener("submit", (event) => {
    event.preventDefault();
    busy($("#nm-estimate"), async () => {
      clear(box); $("#nm-plan").innerHTML = "";
      try {
        if (!state.account) throw new UserError("Choose an account first (top right): it pays for the market, owns it and becomes its provider.");
        const body = { from: state.account, name: $("#nm-name").value.trim(), features: $("#nm-features").value.trim(), params: {} };
        for (const [key] of FIELDS) body.params[key] = $(`#nm-${key}`).value;
        const file = $("#nm-model").files[0];
        if (file) {
          try { body.model = JSON.parse(await file.text()); } catch (error) { throw new UserError(`${file.name} is not valid JSON.`); }
          body.filename = file.name;
        }
        show(box, "info", "Estimating…");
        const plan = await api("/api/markets/plan", body);
        clear(box);
        showPlan(body, plan);
      } catch (error) { show(box, "error", error.message); }
    });
  });
}

function showPlan(body, plan) {
  $("#nm-plan").innerHTML = `
    <h2>Plan: ${esc(plan.contract)}</h2>
    <dl class="facts"><dt>Model</dt><dd>${esc(plan.model)} (${esc(plan.model_type)})</dd>
      <dt>Stake</dt><dd>${esc(body.params.stake)}</dd>
      <dt>Transactions</dt><dd id="nm-count">${plan.steps.length}</dd><dt>Estimated cost</dt><dd>${esc(plan.cost.eth)}</dd></dl>
    ${plan.existing ? `<div class="message warn confirm"><p>A record named <strong>${esc(plan.existing.name)}</strong> already lists <span class="mono">${esc(plan.existing.address)}</span>.</p>
      <label><input type="checkbox" id="nm-replace"> Replace the record “${esc(plan.existing.name)}”</label></div>` : ""}
    <ol class="steps">${plan.steps.map((s, i) => `<li id="nm-step-${i}">${esc(s.label)} — ${s.gas.toLocaleString("en")} gas <span class="step-state muted">waiting</span></li>`).join("")}</ol>
    <div class="row"><button type="button" id="nm-create">Create the market</button></div>
    <div id="nm-result" class="message" role="status" hidden></div>`;
  $("#nm-create").addEventListener("click", (event) => busy(event.currentTarget, async () => {
    const result = $("#nm-result");
    try {
      if (plan.existing && !$("#nm-replace").checked) throw new UserError("Tick “Replace the record” first, or choose another name. Nothing was sent.");
      let address = null;
      const hashes = [];
      for (const [i, step] of plan.steps.entries()) {
        const li = $(`#nm-step-${i} .step-state`);
        li.textContent = state.mode === "dev" ? "sending" : "confirm in your wallet";
        const hash = await sendTransaction({ from: state.account, to: step.to === "deployed" ? address : null, data: step.data, value: "0x0", gas: step.gas_hex });
        li.textContent = "waiting for the receipt";
        const receipt = await waitFor(hash);
        if (i === 0) address = receipt.contract_address;
        hashes.push(hash);
        li.textContent = "done";
      }
      const recorded = await api("/api/deploy/record", {
        model: plan.model_file, mechanism: "market", params: body.params, name: plan.name, from: state.account,
        hashes, labels: plan.steps.map((s) => s.label), replace: Boolean($("#nm-replace")?.checked),
      });
      result.className = "message ok"; result.hidden = false;
      result.innerHTML = `Market created and recorded as <strong>${esc(recorded.name)}</strong> at ${addressLink(recorded.address)}. <a href="#/market/${recorded.address}" id="nm-link">Open it to commit the test set</a>`;
      await refreshBalance();
    } catch (error) { show(result, "error", error.message); }
  }));
}
