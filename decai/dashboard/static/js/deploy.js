// Deploying a model file: the plan, each transaction signed in turn, the record.
import { $, state, api, esc, show, clear, busy, UserError, addressLink, txLink } from "./core.js";
import { sendTransaction, waitFor, refreshBalance } from "./wallet.js";

export async function pageDeploy(main) {
  main.innerHTML = `
    <p><a href="#/">← All models</a></p>
    <h1>Deploy a model</h1>
    <p class="lead">Upload a decai model file (JSON, as <code>ape run train</code> writes it), choose the incentive mechanism, check the cost, then sign every transaction with your account.</p>
    <section class="card">
      <form id="deploy-form">
        <div class="field"><label for="model-file">Model file</label><input type="file" id="model-file" accept=".json,application/json" required></div>
        <div class="row">
          <div class="field"><label for="deploy-name">Name in the records</label><input id="deploy-name" autocomplete="off" placeholder="defaults to the model's name"></div>
          <div class="field"><label for="mechanism">Mechanism</label>
            <select id="mechanism"><option value="deposit">deposit (refundable deposits)</option><option value="points">points (badges, no money)</option></select></div>
        </div>
        <div class="row">
          <div class="field"><label for="refund-wait">Refund wait</label><input id="refund-wait" value="1d" aria-describedby="dur-hint"></div>
          <div class="field deposit-only"><label for="owner-claim-wait">Owner may take leftovers after</label><input id="owner-claim-wait" value="10d"></div>
          <div class="field deposit-only"><label for="any-claim-wait">Anyone may take leftovers after</label><input id="any-claim-wait" value="20d"></div>
          <div class="field deposit-only"><label for="cost-weight">Cost weight (wei)</label><input id="cost-weight" value="1e15"></div>
        </div>
        <p class="hint" id="dur-hint">Durations: seconds, or a number with s, m, h, d or w (e.g. 1d).</p>
        <div class="row"><button type="submit" id="estimate">Estimate</button></div>
        <div id="deploy-message" class="message" role="status" hidden></div>
      </form>
      <div id="plan"></div>
    </section>`;
  const toggle = () => { for (const el of document.querySelectorAll(".deposit-only")) el.hidden = $("#mechanism").value !== "deposit"; };
  $("#mechanism").addEventListener("change", toggle);
  toggle();
  const box = $("#deploy-message");
  const request = async () => {
    const file = $("#model-file").files[0];
    if (!file) throw new UserError("Choose a model file first.");
    let model;
    try { model = JSON.parse(await file.text()); } catch (error) { throw new UserError(`${file.name} is not valid JSON.`); }
    return {
      model, filename: file.name, mechanism: $("#mechanism").value, name: $("#deploy-name").value.trim(),
      params: { refund_wait: $("#refund-wait").value, owner_claim_wait: $("#owner-claim-wait").value,
        any_claim_wait: $("#any-claim-wait").value, cost_weight: $("#cost-weight").value },
    };
  };
  $("#deploy-form").addEventListener("submit", (event) => {
    event.preventDefault();
    busy($("#estimate"), async () => {
      clear(box); $("#plan").innerHTML = "";
      try {
        if (!state.account) throw new UserError("Choose an account first (top right): it pays for and owns the deployment.");
        const body = await request();
        show(box, "info", "Validating the model file and estimating…");
        const plan = await api("/api/deploy/plan", { ...body, from: state.account });
        clear(box);
        $("#plan").innerHTML = `
          <h2>Plan: ${esc(plan.contract)}</h2>
          <dl class="facts"><dt>Model</dt><dd>${esc(plan.model)} (${esc(plan.model_type)}; ${plan.classes.map(esc).join(", ")})</dd>
          <dt>Transactions</dt><dd id="plan-count">${plan.steps.length}</dd><dt>Estimated gas</dt><dd id="plan-gas">${plan.total_gas.toLocaleString("en")}</dd>
          <dt>Gas price</dt><dd>${esc(plan.gas_price_gwei)} gwei</dd><dt>Estimated cost</dt><dd id="plan-cost">${esc(plan.cost.eth)}</dd></dl>
          <ol class="steps" id="plan-steps">${plan.steps.map((s, i) => `<li id="step-${i}">${esc(s.label)} — ${s.gas.toLocaleString("en")} gas <span class="step-state muted">waiting</span></li>`).join("")}</ol>
          ${confirmations(plan)}
          <progress id="deploy-progress" class="progress" max="${plan.steps.length}" value="0"></progress>
          <div class="row"><button type="button" id="deploy-go">Deploy (${plan.steps.length} transaction${plan.steps.length > 1 ? "s" : ""})</button></div>
          <div id="deploy-result" class="message" role="status" hidden></div>`;
        $("#deploy-go").addEventListener("click", (e) => busy(e.currentTarget, async () => {
          const result = $("#deploy-result");
          try {
            for (const box of document.querySelectorAll("#plan .confirm input")) {
              if (!box.checked) { box.focus(); throw new UserError(`Tick “${box.labels[0].textContent.trim()}” first, or change the form and estimate again.`); }
            }
            let address = null;
            const hashes = [];
            for (const [i, step] of plan.steps.entries()) {
              const li = $(`#step-${i} .step-state`);
              li.textContent = state.mode === "dev" ? "sending" : "confirm in your wallet";
              const tx = { from: state.account, to: step.to === "deployed" ? address : null, data: step.data, value: "0x0", gas: step.gas_hex };
              const hash = await sendTransaction(tx);
              if (state.network.explorer) li.innerHTML = `waiting for the receipt of ${txLink(hash)}`;
              else li.textContent = "waiting for the receipt";
              const receipt = await waitFor(hash);
              if (i === 0) address = receipt.contract_address;
              hashes.push(hash);
              li.innerHTML = `done (${receipt.gas_used.toLocaleString("en")} gas)${state.network.explorer ? `: ${txLink(hash)}` : ""}`;
              li.className = "step-state ok-text";
              $("#deploy-progress").value = i + 1;
              show(result, "info", `Transaction ${i + 1} of ${plan.steps.length} done…`);
            }
            const recorded = await api("/api/deploy/record", { ...body, from: state.account, hashes, labels: plan.steps.map((s) => s.label), replace: Boolean($("#replace-record")?.checked) });
            result.className = "message ok"; result.hidden = false;
            result.innerHTML = `Deployed and recorded as <strong>${esc(recorded.name)}</strong> at ${addressLink(recorded.address)}. <a href="#/trainer/${recorded.address}" id="deployed-link">Open it</a>`;
            await refreshBalance();
          } catch (error) { show(result, "error", error.message); }
        }));
      } catch (error) { show(box, "error", error.message); }
    });
  });
}

// What the deployer must confirm before the Deploy button sends anything:
// each warning of the plan, and replacing an existing record of that name.
function confirmations(plan) {
  const items = plan.warnings.map((text, i) => `<div class="message warn confirm"><p>${esc(text)}.</p>
    <label><input type="checkbox" id="warning-${i}"> Deploy it like this anyway</label></div>`);
  if (plan.existing) {
    items.push(`<div class="message warn confirm"><p>A record named <strong>${esc(plan.existing.name)}</strong> already lists <span class="mono">${esc(plan.existing.address)}</span>; recording this deployment under that name would make it point to the new trainer instead.</p>
      <label><input type="checkbox" id="replace-record"> Replace the record “${esc(plan.existing.name)}”</label></div>`);
  }
  return items.join("");
}
