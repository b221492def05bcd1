// The list of trainers, and adding one by address after the code check.
import { $, state, api, esc, short, show, busy, done, mechanismTag, addressLink } from "./core.js";
import { hidden, nameOf, describe } from "./safety.js";

export async function pageList(main) {
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
      : t.mechanism === "points"
        ? `<dt>Adding</dt><dd>free; good contributions earn points</dd>`
        : `<dt>Deposit now</dt><dd class="deposit" data-quote="${t.address}" data-wei="${t.deposit.wei}">${esc(t.deposit.eth)}</dd>`;
    return `<article class="card trainer-card" data-address="${t.address}">
      <h2><a href="${href}">${esc(nameOf(t))}</a></h2>
      <p class="muted">${describe(t)}</p>
      ${mechanismTag(t.mechanism)}<span class="tag">${esc(t.model_type)}</span>
      <dl class="facts">
        <dt>Classes</dt><dd>${t.classes.map(esc).join(", ")}</dd>
        <dt>Contributions</dt><dd class="contributions">${t.contributions}</dd>
        ${money}
        <dt>Address</dt><dd class="mono">${addressLink(t.address)}${t.record ? ` (recorded as ${esc(t.record)})` : ""}</dd>
      </dl></article>`;
  });
  main.innerHTML = `
    <h1>Models</h1>
    <p class="lead">Every decai trainer recorded on ${esc(state.network.name)} (chain ${state.network.chain_id}). Predictions are free; adding data trains the model.</p>
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
        await done(box, `${hidden(t) ? "The contract" : t.name} is a decai ${t.mechanism} trainer (${t.model_type}); it is now listed${t.trusted ? "" : ", but it is not on your trusted list: its name, description and contributed text stay hidden until you show them on its page"}.`);
      } catch (error) { show(box, "error", error.message); }
    });
  });
}
