// decai dashboard: a plain ES module, no build step and no third-party code.
// The server (decai/dashboard) reads, encodes and checks; this page asks the
// wallet to send only the transactions the server prepared ({from, to, data,
// value}) and follows their receipts through the server.

const $ = (selector, root = document) => root.querySelector(selector);
const state = { network: null, account: null, mode: null, clockOffset: 0, timers: [] };

// ---------------------------------------------------------------- helpers --
function esc(text) {
  return String(text ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}
function short(address) { return address ? `${address.slice(0, 6)}…${address.slice(-4)}` : ""; }
function date(ts) {
  return new Date(ts * 1000).toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");
}
function duration(seconds) {
  seconds = Math.max(0, Math.round(seconds));
  const d = Math.floor(seconds / 86400), h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
  if (d) return `${d}d ${h}h ${m}m`;
  if (h) return `${h}h ${m}m ${s}s`;
  if (m) return `${m}m ${s}s`;
  return `${s}s`;
}
function chainNow() { return Math.floor(Date.now() / 1000) + state.clockOffset; }

class UserError extends Error {}
// The node is not answering: the page tries again by itself (every RECOVER_MS) until it is back.
class NodeDown extends UserError {}
const RECOVER_MS = 2000;

async function api(path, body) {
  const options = body === undefined ? {} : { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) };
  let response;
  try {
    response = await fetch(path, options);
  } catch (error) {
    throw new UserError("The dashboard server is not answering. Is `ape run dashboard` still running?");
  }
  const data = await response.json().catch(() => ({ error: `the server answered ${response.status}` }));
  if (response.status === 503 && data && data.node_down) throw new NodeDown(data.error);
  if (!response.ok || (data && data.error)) throw new UserError(data.error || `the server answered ${response.status}`);
  return data;
}

function show(box, kind, text) {
  if (!box) return;
  box.hidden = false;
  box.className = `message ${kind}`;
  box.textContent = text;
}
// Re-render the page, then show `text` in the box with the same id.
async function done(box, text) {
  state.flash = { id: box.id, text };
  await route();
}
function clear(box) { if (box) { box.hidden = true; box.textContent = ""; } }
function showGlobal(kind, text) { show($("#global-message"), kind, text); }

async function busy(button, work) {
  const label = button.textContent;
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  button.textContent = `${label}…`;
  try { return await work(); } finally {
    button.disabled = false;
    button.removeAttribute("aria-busy");
    button.textContent = label;
  }
}

// ---------------------------------------------------------------- wallets --
// Dev accounts (local anvil and forks): the server sends with the node's
// unlocked account. Any other account: the injected EIP-1193 wallet sends.
async function walletRequest(method, params = []) {
  try {
    return await window.ethereum.request({ method, params });
  } catch (error) {
    throw walletError(error);
  }
}

function walletError(error) {
  const code = error && (error.code ?? error.data?.code);
  const text = String((error && (error.message || error.data?.message)) || error || "");
  if (code === 4001 || /reject|denied|cancel/i.test(text)) return new UserError("You rejected the request in your wallet: nothing was sent.");
  if (code === 4100 || /locked|unauthori/i.test(text)) return new UserError("Your wallet is locked or has not authorised this page: unlock it and connect again.");
  if (/insufficient funds/i.test(text)) return new UserError("Insufficient funds: your account cannot pay for this transaction (value and gas).");
  return new UserError(`The wallet refused: ${text || "unknown error"}`);
}

async function checkWallet() {
  if (!window.ethereum) throw new UserError("No wallet found: install a browser wallet, or pick a dev account on a local network.");
  const accounts = await walletRequest("eth_accounts");
  if (!accounts || accounts.length === 0) throw new UserError("Your wallet is locked or not connected: unlock it and press Connect wallet.");
  const chainId = parseInt(await walletRequest("eth_chainId"), 16);
  if (chainId !== state.network.chain_id) {
    throw new UserError(`Wrong network: your wallet is on chain ${chainId}, this dashboard is on ${state.network.network} (chain ${state.network.chain_id}). Switch networks in your wallet.`);
  }
  if (accounts[0].toLowerCase() !== state.account.toLowerCase()) {
    state.account = accounts[0];
  }
}

async function sendTransaction(tx) {
  if (state.mode === "dev") {
    const { hash } = await api("/api/send", { tx });
    return hash;
  }
  await checkWallet();
  const request = { from: state.account, data: tx.data, value: tx.value || "0x0" };
  if (tx.to) request.to = tx.to;
  if (tx.gas) request.gas = tx.gas;
  return walletRequest("eth_sendTransaction", [request]);
}

async function waitFor(hash, onPending) {
  for (let i = 0; i < 600; i++) {
    const receipt = await api(`/api/tx/${hash}`);
    if (receipt.status !== "pending") {
      if (receipt.status !== "success") throw new UserError(`The transaction ${short(hash)} failed on chain (reverted).`);
      return receipt;
    }
    if (onPending) onPending();
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new UserError(`No receipt for ${short(hash)} after 2.5 minutes; check your wallet.`);
}

// Prepare on the server (all checks), send with the wallet, follow the receipt.
async function act(prepareUrl, body, box) {
  if (!state.account) throw new UserError("Choose an account first (top right).");
  show(box, "info", "Checking…");
  const prepared = await api(prepareUrl, { ...body, from: state.account });
  show(box, "info", `${prepared.summary}: ${state.mode === "dev" ? "sending" : "confirm in your wallet"}…`);
  const hash = await sendTransaction(prepared.tx);
  show(box, "info", `${prepared.summary}: sent ${short(hash)}, waiting for the receipt…`);
  const receipt = await waitFor(hash);
  await refreshBalance();
  return { prepared, receipt, hash };
}

async function refreshBalance() {
  if (!state.account) { $("#balance").textContent = ""; return; }
  try {
    const info = await api(`/api/account/${state.account}`);
    $("#balance").textContent = info.balance.eth;
  } catch (error) { $("#balance").textContent = ""; }
}

function fillAccounts() {
  const select = $("#account-select");
  const options = [`<option value="">Choose an account…</option>`];
  if (window.ethereum) options.push(`<option value="wallet">Browser wallet${state.mode === "wallet" && state.account ? `: ${short(state.account)}` : ""}</option>`);
  for (const a of state.network.dev_accounts) {
    options.push(`<option value="dev:${a.address}">Dev ${short(a.address)} (${esc(a.balance.eth)})</option>`);
  }
  select.innerHTML = options.join("");
  select.value = state.mode === "dev" ? `dev:${state.account}` : state.mode === "wallet" && state.account ? "wallet" : "";
  $("#connect-wallet").hidden = !window.ethereum;
}

async function connectWallet() {
  if (!window.ethereum) throw new UserError("No wallet found in this browser.");
  const accounts = await walletRequest("eth_requestAccounts");
  if (!accounts || !accounts.length) throw new UserError("Your wallet is locked: unlock it and connect again.");
  state.mode = "wallet";
  state.account = accounts[0];
  sessionStorage.setItem("decai.account", "wallet");
  const chainId = parseInt(await walletRequest("eth_chainId"), 16);
  if (chainId !== state.network.chain_id) {
    showGlobal("error", `Wrong network: your wallet is on chain ${chainId}, this dashboard is on ${state.network.network} (chain ${state.network.chain_id}). Switch networks in your wallet.`);
  } else {
    clear($("#global-message"));
  }
}

async function chooseAccount(value) {
  clear($("#global-message"));
  if (value === "wallet") {
    await connectWallet();
  } else if (value.startsWith("dev:")) {
    state.mode = "dev";
    state.account = value.slice(4);
    sessionStorage.setItem("decai.account", value);
  } else {
    state.mode = null;
    state.account = null;
    sessionStorage.removeItem("decai.account");
  }
  fillAccounts();
  await refreshBalance();
  route();
}

// ----------------------------------------------------------------- pages --
function mechanismTag(m) { return `<span class="tag ${esc(m)}">${esc(m)}</span>`; }

async function pageList(main) {
  const trainers = await api("/api/trainers");
  const cards = trainers.map((t) => {
    if (t.missing) {
      return `<article class="card trainer-card missing" data-address="${t.address}">
      <h2>${esc(t.record || short(t.address))}</h2><p class="message error">${esc(t.missing)}</p>
      <dl class="facts"><dt>Address</dt><dd class="mono">${t.address}</dd></dl></article>`;
    }
    const href = t.mechanism === "market" ? `#/market/${t.address}` : `#/trainer/${t.address}`;
    const money = t.mechanism === "market"
      ? `<dt>Phase</dt><dd>${esc(t.phase)}</dd><dt>Stake</dt><dd>${esc(t.stake.eth)}</dd><dt>Bounty</dt><dd>${esc(t.bounty.eth)}</dd>`
      : `<dt>Deposit now</dt><dd>${t.mechanism === "points" ? "none (points)" : esc(t.deposit.eth)}</dd>`;
    return `<article class="card trainer-card" data-address="${t.address}">
      <h2><a href="${href}">${esc(t.name)}</a></h2>
      <p class="muted">${esc(t.description)}</p>
      ${mechanismTag(t.mechanism)}<span class="tag">${esc(t.model_type)}</span>
      <dl class="facts">
        <dt>Classes</dt><dd>${t.classes.map(esc).join(", ")}</dd>
        <dt>Contributions</dt><dd class="contributions">${t.contributions}</dd>
        ${money}
        <dt>Address</dt><dd class="mono">${t.address}${t.record ? ` (recorded as ${esc(t.record)})` : ""}</dd>
      </dl></article>`;
  });
  main.innerHTML = `
    <h1>Models</h1>
    <p class="lead">Every decai trainer recorded on ${esc(state.network.network)} (chain ${state.network.chain_id}). Predictions are free; adding data trains the model.</p>
    <div class="grid" id="trainer-list">${cards.join("") || `<p class="muted">No trainers recorded on this network yet.</p>`}</div>
    <section class="card" aria-labelledby="add-title">
      <h2 id="add-title">Add a trainer by address</h2>
      <form id="add-trainer">
        <div class="row">
          <div class="field"><label for="add-address">Contract address</label>
            <input id="add-address" name="address" placeholder="0x…" autocomplete="off" required></div>
          <button type="submit">Check and add</button>
        </div>
        <p class="hint">Its code is compared with the contracts compiled in this checkout before it is listed.</p>
        <div id="add-message" class="message" role="status" hidden></div>
      </form>
    </section>`;
  $("#add-trainer").addEventListener("submit", (event) => {
    event.preventDefault();
    const box = $("#add-message");
    busy(event.submitter || $("#add-trainer button"), async () => {
      try {
        const t = await api("/api/trainers/add", { address: $("#add-address").value.trim() });
        await done(box, `${t.name} is a decai ${t.mechanism} trainer (${t.model_type}); it is now listed.`);
      } catch (error) { show(box, "error", error.message); }
    });
  });
}

function countdown(deadline, doneText) {
  return `<span class="countdown" data-deadline="${deadline}" data-done="${esc(doneText)}"></span>`;
}
function tickCountdowns() {
  for (const el of document.querySelectorAll(".countdown")) {
    const left = Number(el.dataset.deadline) - chainNow();
    el.textContent = left > 0 ? `opens in ${duration(left)} (${date(Number(el.dataset.deadline))})` : el.dataset.done;
  }
}

function words(list) { return `<span class="chips">${list.map((w) => `<span class="chip">${esc(w)}</span>`).join("")}</span>`; }

async function pageTrainer(main, address) {
  const account = state.account ? `?account=${state.account}` : "";
  const t = await api(`/api/trainers/${address}${account}`);
  state.clockOffset = t.now - Math.floor(Date.now() / 1000);
  const isText = t.input.kind === "text";
  const inputField = (id) => isText
    ? `<textarea id="${id}" name="input" required aria-describedby="${id}-hint"></textarea>`
    : `<input id="${id}" name="input" required autocomplete="off" aria-describedby="${id}-hint">`;
  const classOptions = t.classes.map((c) => `<option value="${esc(c)}">${esc(c)}</option>`).join("");
  const deposit = t.mechanism === "deposit"
    ? `Current deposit: <strong id="current-deposit">${esc(t.deposit.eth)}</strong>. It comes back after ${duration(t.refund_wait_s)} if the model then agrees with your label; otherwise reporters may take it.`
    : `No deposit: a contribution the model still agrees with after ${duration(t.refund_wait_s)} earns a point.`;
  const mine = (t.mine || []).map((c) => `<tr>
      <td data-label="Sample">${words(c.words)}</td><td data-label="Label">${esc(c.class)}</td>
      <td data-label="Added">${date(c.added_time)}</td>
      <td data-label="Status">${c.refunded ? `<span class="ok-text">${t.mechanism === "points" ? "point earned" : "refunded"}</span>` : c.settled ? "settled" : c.problem ? esc(c.problem) : `<span class="ok-text">${t.mechanism === "points" ? "can claim its point" : "can be refunded now"}</span>`}</td>
      <td data-label="Claimable">${t.mechanism === "deposit" ? esc(c.claimable.eth) : "—"}</td>
      <td data-label="When">${c.settled ? "" : countdown(c.opens_at, "open now")}</td>
      <td data-label="">${!c.settled && !c.problem ? `<button type="button" class="small refund" data-c='${esc(JSON.stringify(c))}'>${t.mechanism === "points" ? "Claim point" : "Refund"}</button>` : c.settled ? "" : `<button type="button" class="small secondary refund" data-c='${esc(JSON.stringify(c))}'>${t.mechanism === "points" ? "Claim point" : "Refund"}</button>`}</td></tr>`).join("");
  const others = (t.others || []).map((c) => `<tr>
      <td data-label="Author" class="mono">${short(c.author)}</td><td data-label="Sample">${words(c.words)}</td>
      <td data-label="Label">${esc(c.class)}</td><td data-label="Added">${date(c.added_time)}</td>
      <td data-label="You get">${c.share ? esc(c.share.eth) : "—"}</td>
      <td data-label="When">${c.problem ? (c.problem.startsWith("too early") ? countdown(c.opens_at, "open now") : esc(c.problem)) : "now"}</td>
      <td data-label=""><button type="button" class="small report${c.problem ? " secondary" : ""}" data-c='${esc(JSON.stringify(c))}'>Report</button></td></tr>`).join("");
  const dataset = t.dataset.map((c) => `<tr><td data-label="Sample">${words(c.words)}</td><td data-label="Label">${esc(c.class)}</td>
      <td data-label="Author" class="mono">${short(c.author)}</td><td data-label="Added">${date(c.added_time)}</td></tr>`).join("");
  const points = t.mechanism === "points" && t.points ? `
    <section class="card" aria-labelledby="points-title" id="points">
      <h2 id="points-title">Your points and badges</h2>
      <dl class="facts"><dt>Contributions</dt><dd>${t.points.contributions ?? 0}</dd><dt>Points</dt><dd id="points-count">${t.points.points ?? 0}</dd>
      <dt>Reports made</dt><dd>${t.points.reports_made ?? 0}</dd><dt>Reported</dt><dd>${t.points.reported ?? 0}</dd></dl>
      <div class="badges" id="badges" aria-label="Badges">${(t.badges || []).map((b) => `<span class="badge">${esc(b)}</span>`).join("") || `<span class="muted">No badges yet.</span>`}</div>
    </section>` : "";
  const who = state.account ? "" : `<p class="message info">Choose an account (top right) to add data, see your contributions and report others'.</p>`;
  main.innerHTML = `
    <p><a href="#/">← All models</a></p>
    <h1>${esc(t.name)}</h1>
    <p class="lead">${esc(t.description)}</p>
    <p>${mechanismTag(t.mechanism)}<span class="tag">${esc(t.model_type)}</span> <span class="muted">classes ${t.classes.map(esc).join(", ")} · ${t.contributions} contributions · <span class="mono">${t.address}</span></span></p>
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
    ${points}
    ${state.account ? `
    <section class="card" aria-labelledby="mine-title">
      <h2 id="mine-title">My contributions</h2>
      <div id="mine-message" class="message" role="status" hidden></div>
      ${mine ? `<div class="table-wrap"><table class="responsive" id="mine"><thead><tr><th>Sample</th><th>Label</th><th>Added</th><th>Status</th><th>Claimable</th><th>When</th><th></th></tr></thead><tbody>${mine}</tbody></table></div>` : `<p class="muted">You have not added data to this model.</p>`}
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
    </section>`;
  tickCountdowns();

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
        const { receipt } = await act(`/api/trainers/${t.address}/prepare`, { action: "add", input: $("#add-input").value, label: $("#add-label").value }, box);
        await done(box, `Added: ${receipt.outcome || "done"}. It can be refunded in ${duration(t.refund_wait_s)} if the model agrees then.`);
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
            const { receipt } = await act(`/api/trainers/${t.address}/prepare`, { action, contribution }, box);
            await done(box, `${action === "refund" ? "Refund" : "Report"} done: ${receipt.outcome || "settled"}.`);
          } catch (error) { show(box, "error", error.message); }
        });
      });
    }
  }
}

async function pageMarket(main, address) {
  const account = state.account ? `?account=${state.account}` : "";
  const m = await api(`/api/markets/${address}${account}`);
  state.clockOffset = m.now - Math.floor(Date.now() / 1000);
  const deadlines = Object.entries(m.deadlines).map(([name, when]) =>
    `<dt>${esc(name)}</dt><dd>${date(when)} — <span class="countdown" data-deadline="${when}" data-done="passed"></span></dd>`).join("");
  const can = (a) => m.actions.includes(a);
  const classOptions = m.classes.map((c) => `<option value="${esc(c)}">${esc(c)}</option>`).join("");
  const list = m.contributions_list.map((c) => `<tr><td data-label="#">${c.index}</td><td data-label="Author" class="mono">${short(c.author)}</td>
    <td data-label="Features">${words(c.data.map(String))}</td><td data-label="Label">${esc(c.class)}</td><td data-label="Added">${date(c.added_time)}</td></tr>`).join("");
  main.innerHTML = `
    <p><a href="#/">← All models</a></p>
    <h1>${esc(m.name)}</h1>
    <p class="lead">${esc(m.description)}</p>
    <section class="card" aria-labelledby="status-title">
      <h2 id="status-title">Market</h2>
      <dl class="facts">
        <dt>Phase</dt><dd id="market-phase">${esc(m.phase)}${m.phase === "processing" ? ` (stage ${esc(m.stage)}, cursor ${m.processing_cursor})` : ""}</dd>
        ${deadlines}
        <dt>Bounty</dt><dd>${esc(m.bounty.eth)}</dd><dt>Stake per contribution</dt><dd>${esc(m.stake.eth)}</dd>
        <dt>Contributions</dt><dd id="market-contributions">${m.contributions}</dd>
        <dt>Test samples</dt><dd>${m.num_test_samples} in ${m.num_portions} portions</dd>
        ${m.forfeited ? `<dt>Outcome</dt><dd>The provider did not reveal in time: the bounty is forfeited (burned, so no address can profit from withholding) and every stake comes back.</dd>` : ""}
        ${m.initial_loss !== null && m.initial_loss !== undefined ? `<dt>Test errors</dt><dd>before ${m.initial_loss}, after ${m.final_loss}</dd>` : ""}
        ${m.owed ? `<dt>Owed to you</dt><dd id="market-owed">${esc(m.owed.eth)}</dd>` : ""}
        <dt>Provider</dt><dd class="mono">${m.provider}</dd>
      </dl>
      <p class="hint">The provider's commit and reveal steps stay in the command line (<code>ape run market</code>).</p>
    </section>
    <section class="card" aria-labelledby="actions-title">
      <h2 id="actions-title">What you can do now</h2>
      <div id="market-message" class="message" role="status" hidden></div>
      ${can("add") ? `
      <form id="market-add">
        <div class="row">
          <div class="field"><label for="market-input">Features</label><input id="market-input" required autocomplete="off" aria-describedby="market-input-hint">
            <span class="hint" id="market-input-hint">${esc(m.input.hint)}</span></div>
          <div class="field"><label for="market-label">Label</label><select id="market-label">${classOptions}</select></div>
          <button type="submit">Add with stake ${esc(m.stake.eth)}</button>
        </div>
      </form>` : ""}
      <div class="row" style="margin-top:10px">
        ${can("end") ? `<button type="button" id="market-end" class="secondary">End participation</button>` : ""}
        ${can("process") ? `<button type="button" id="market-process">Process rewards</button>` : ""}
        ${can("withdraw") ? `<button type="button" id="market-withdraw">Withdraw ${esc(m.owed.eth)}</button>` : ""}
      </div>
      <progress id="market-progress" class="progress" max="100" value="0" hidden></progress>
      ${m.actions.length ? "" : `<p class="muted">Nothing to do in this phase${state.account ? "" : " (choose an account to see what you are owed)"}.</p>`}
    </section>
    <section class="card" aria-labelledby="mlist-title"><h2 id="mlist-title">Contributions</h2>
      ${list ? `<div class="table-wrap"><table class="responsive"><thead><tr><th>#</th><th>Author</th><th>Features</th><th>Label</th><th>Added</th></tr></thead><tbody>${list}</tbody></table></div>` : `<p class="muted">None yet.</p>`}
    </section>`;
  tickCountdowns();
  const box = $("#market-message");
  const prepare = `/api/trainers/${m.address}/prepare`;
  const run = (button, work) => busy(button, async () => { try { await work(); } catch (error) { show(box, "error", error.message); } });
  $("#market-add")?.addEventListener("submit", (event) => {
    event.preventDefault();
    run($("#market-add button"), async () => {
      await act(prepare, { action: "add", input: $("#market-input").value, label: $("#market-label").value }, box);
      await done(box, "Added with your stake.");
    });
  });
  $("#market-end")?.addEventListener("click", (event) => run(event.currentTarget, async () => {
    await act(prepare, { action: "end" }, box);
    await done(box, "Participation ended.");
  }));
  $("#market-process")?.addEventListener("click", (event) => run(event.currentTarget, async () => {
    const bar = $("#market-progress");
    bar.hidden = false;
    for (let call = 1; call <= 200; call++) {
      const status = await api(`/api/markets/${m.address}`);
      if (!["processing", "reveal"].includes(status.phase)) break;
      await act(prepare, { action: "process" }, box);
      const after = await api(`/api/markets/${m.address}`);
      bar.value = Math.min(95, call * 20);
      show(box, "info", `Processing: call ${call} done, phase ${after.phase}${after.phase === "processing" ? `, stage ${after.stage}` : ""}…`);
      if (!["processing", "reveal"].includes(after.phase)) break;
    }
    bar.value = 100;
    await done(box, "Processing finished: rewards are ready to withdraw.");
  }));
  $("#market-withdraw")?.addEventListener("click", (event) => run(event.currentTarget, async () => {
    const { prepared } = await act(prepare, { action: "withdraw" }, box);
    await done(box, `Done: ${prepared.summary}.`);
  }));
}

async function pageDeploy(main) {
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
          <progress id="deploy-progress" class="progress" max="${plan.steps.length}" value="0"></progress>
          <div class="row"><button type="button" id="deploy-go">Deploy (${plan.steps.length} transaction${plan.steps.length > 1 ? "s" : ""})</button></div>
          <div id="deploy-result" class="message" role="status" hidden></div>`;
        $("#deploy-go").addEventListener("click", (e) => busy(e.currentTarget, async () => {
          const result = $("#deploy-result");
          try {
            let address = null;
            const hashes = [];
            for (const [i, step] of plan.steps.entries()) {
              const li = $(`#step-${i} .step-state`);
              li.textContent = state.mode === "dev" ? "sending" : "confirm in your wallet";
              const tx = { from: state.account, to: step.to === "deployed" ? address : null, data: step.data, value: "0x0", gas: step.gas_hex };
              const hash = await sendTransaction(tx);
              li.textContent = "waiting for the receipt";
              const receipt = await waitFor(hash);
              if (i === 0) address = receipt.contract_address;
              hashes.push(hash);
              li.textContent = `done (${receipt.gas_used.toLocaleString("en")} gas)`;
              li.className = "step-state ok-text";
              $("#deploy-progress").value = i + 1;
              show(result, "info", `Transaction ${i + 1} of ${plan.steps.length} done…`);
            }
            const recorded = await api("/api/deploy/record", { ...body, from: state.account, hashes, labels: plan.steps.map((s) => s.label) });
            result.className = "message ok"; result.hidden = false;
            result.innerHTML = `Deployed and recorded as <strong>${esc(recorded.name)}</strong> at <span class="mono">${recorded.address}</span>. <a href="#/trainer/${recorded.address}" id="deployed-link">Open it</a>`;
            await refreshBalance();
          } catch (error) { show(result, "error", error.message); }
        }));
      } catch (error) { show(box, "error", error.message); }
    });
  });
}

// ----------------------------------------------------------------- router --
async function route() {
  const main = $("#main");
  const [, page, address] = (location.hash || "#/").split("/");
  delete document.body.dataset.ready;
  main.innerHTML = `<p class="loading">Loading</p>`;
  main.setAttribute("aria-busy", "true");
  try {
    if (page === "trainer" && address) await pageTrainer(main, address);
    else if (page === "market" && address) await pageMarket(main, address);
    else if (page === "deploy") await pageDeploy(main);
    else await pageList(main);
  } catch (error) {
    main.innerHTML = `<div class="message error" role="alert">${esc(error.message)}</div><p><a href="#/">Back to the models</a></p>`;
    if (error instanceof NodeDown) {
      const here = location.hash;
      setTimeout(() => { if (location.hash === here) route(); }, RECOVER_MS);
    }
  } finally {
    main.removeAttribute("aria-busy");
    if (state.flash) {
      const box = document.getElementById(state.flash.id);
      if (box) show(box, "ok", state.flash.text);
      state.flash = null;
    }
    document.body.dataset.ready = location.hash || "#/";
  }
}

async function start() {
  try {
    state.network = await api("/api/network");
  } catch (error) {
    showGlobal("error", error.message);
    if (error instanceof NodeDown) setTimeout(start, RECOVER_MS);
    return;
  }
  clear($("#global-message"));
  state.clockOffset = state.network.now - Math.floor(Date.now() / 1000);
  $("#network").textContent = `${state.network.network} · chain ${state.network.chain_id}${state.network.dev ? " · dev" : ""}`;
  const saved = sessionStorage.getItem("decai.account");
  if (saved && saved.startsWith("dev:") && state.network.dev_accounts.some((a) => `dev:${a.address}` === saved)) {
    state.mode = "dev"; state.account = saved.slice(4);
  } else if (saved === "wallet" && window.ethereum) {
    try {
      const accounts = await window.ethereum.request({ method: "eth_accounts" });
      if (accounts && accounts.length) { state.mode = "wallet"; state.account = accounts[0]; }
    } catch (error) { /* locked: the user connects again */ }
  }
  fillAccounts();
  await refreshBalance();
  $("#account-select").addEventListener("change", (event) => chooseAccount(event.target.value).catch((error) => { showGlobal("error", error.message); fillAccounts(); }));
  $("#connect-wallet").addEventListener("click", () => chooseAccount("wallet").catch((error) => { showGlobal("error", error.message); fillAccounts(); }));
  if (window.ethereum && window.ethereum.on) {
    window.ethereum.on("accountsChanged", (accounts) => { if (state.mode === "wallet") { state.account = accounts[0] || null; fillAccounts(); route(); } });
    window.ethereum.on("chainChanged", () => { if (state.mode === "wallet") connectWallet().then(route).catch((e) => showGlobal("error", e.message)); });
  }
  window.addEventListener("hashchange", route);
  setInterval(tickCountdowns, 1000);
  await route();
}

start();
