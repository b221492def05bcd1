// A prediction market: status, deadlines, add, end, process, withdraw.
import { $, state, api, esc, short, date, show, busy, done, countdown, tickCountdowns, addressLink, txLink } from "./core.js";
import { nameOf, describe, wordsOf, trustNotice, bindTrust } from "./safety.js";
import { act } from "./wallet.js";
import { renderProvider } from "./provider.js";

export async function pageMarket(main, address) {
  const account = state.account ? `?account=${state.account}` : "";
  const m = await api(`/api/markets/${address}${account}`);
  state.clockOffset = m.now - Math.floor(Date.now() / 1000);
  const deadlines = Object.entries(m.deadlines).map(([name, when]) =>
    `<dt>${esc(name)}</dt><dd>${date(when)} — ${countdown(when, "passed", "in")}</dd>`).join("");
  const tests = m.num_test_samples
    ? `${m.num_test_samples} samples in ${m.num_portions} portions`
    : m.phase === "setup" ? "not committed yet: the owner commits a hidden test set with the bounty"
    : `${m.num_portions} portions committed by the provider; their samples are revealed after participation ends`;
  const can = (a) => m.actions.includes(a);
  const classOptions = m.classes.map((c) => `<option value="${esc(c)}">${esc(c)}</option>`).join("");
  const list = m.contributions_list.map((c) => `<tr><td data-label="#">${c.index}</td><td data-label="Author">${addressLink(c.author, short(c.author))}</td>
    <td data-label="Features">${wordsOf(m, c.data.map(String))}</td><td data-label="Label">${esc(c.class)}</td><td data-label="Added">${txLink(c.transaction, date(c.added_time))}</td></tr>`).join("");
  main.innerHTML = `
    <p><a href="#/">← All models</a></p>
    <h1>${esc(nameOf(m))}</h1>
    <p class="lead">${describe(m)}</p>
    ${trustNotice(m)}
    <section class="card" aria-labelledby="status-title">
      <h2 id="status-title">Market</h2>
      <dl class="facts">
        <dt>Phase</dt><dd id="market-phase">${esc(m.phase)}${m.phase === "processing" ? ` (stage ${esc(m.stage)}, cursor ${m.processing_cursor})` : ""}</dd>
        ${deadlines}
        <dt>Bounty</dt><dd>${esc(m.bounty.eth)}</dd><dt>Stake per contribution</dt><dd>${esc(m.stake.eth)}</dd>
        <dt>Contributions</dt><dd id="market-contributions">${m.contributions}</dd>
        <dt>Test set</dt><dd id="market-tests">${tests}</dd>
        ${m.forfeited ? `<dt>Outcome</dt><dd>The provider did not reveal in time: the bounty is forfeited (burned, so no address can profit from withholding) and every stake comes back.</dd>` : ""}
        ${m.initial_loss !== null && m.initial_loss !== undefined ? `<dt>Test errors</dt><dd>before ${m.initial_loss}, after ${m.final_loss}</dd>` : ""}
        ${m.owed ? `<dt>Owed to you</dt><dd id="market-owed">${esc(m.owed.eth)}</dd>` : ""}
        <dt>Provider</dt><dd class="mono">${m.phase === "setup" ? "none yet: the owner becomes the provider by committing" : addressLink(m.provider)}</dd>
        <dt>Address</dt><dd class="mono">${addressLink(m.address)}</dd>
      </dl>
    </section>
    <section class="card" id="provider" aria-labelledby="provider-title" hidden></section>
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
  bindTrust(m);
  await renderProvider($("#provider"), m);
  const box = $("#market-message");
  const prepare = `/api/trainers/${m.address}/prepare`;
  const run = (button, work) => busy(button, async () => { try { await work(); } catch (error) { show(box, "error", error.message); } });
  $("#market-add")?.addEventListener("submit", (event) => {
    event.preventDefault();
    run($("#market-add button"), async () => {
      const { hash } = await act(prepare, { action: "add", input: $("#market-input").value, label: $("#market-label").value }, box);
      await done(box, "Added with your stake.", hash);
    });
  });
  $("#market-end")?.addEventListener("click", (event) => run(event.currentTarget, async () => {
    const { hash } = await act(prepare, { action: "end" }, box);
    await done(box, "Participation ended.", hash);
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
    const { prepared, hash } = await act(prepare, { action: "withdraw" }, box);
    await done(box, `Done: ${prepared.summary}.`, hash);
  }));
}
