// The About page: what decai does, how deposits, refunds, reports, points
// and markets work with one model's own numbers (from the API), what it can
// and cannot promise about accuracy and money, and how to stay safe.
import { $, state, api, esc, duration } from "./core.js";
import { nameOf } from "./safety.js";

export async function pageAbout(main, address) {
  const trainers = await api("/api/trainers");
  const pick = address || (trainers.find((t) => t.mechanism === "deposit") || trainers.find((t) => t.mechanism !== "market") || {}).address;
  let t = null;
  const summary = trainers.find((x) => pick && x.address.toLowerCase() === pick.toLowerCase());
  if (pick && (!summary || summary.mechanism !== "market")) t = await api(`/api/trainers/${pick}`);
  const b = (text, id) => `<strong${id ? ` id="${id}"` : ""}>${esc(text)}</strong>`;
  const choice = trainers.length ? `<div class="field" id="about-choose"><label for="about-model">Numbers for the model</label>
      <select id="about-model">${trainers.filter((x) => x.mechanism !== "market").map((x) => `<option value="${x.address}"${t && x.address === t.address ? " selected" : ""}>${esc(nameOf(x))} (${esc(x.mechanism)})</option>`).join("")}</select></div>` : "";
  const of = t ? ` for ${b(nameOf(t))}` : "";
  let deposits = `<p>A deposit trainer asks every addition for a deposit. The contract computes it from the trainer's cost weight and the time since the last addition (cost weight × 3600 / √seconds since then): it is large right after someone added and falls while nobody adds, so flooding the model costs more the faster one goes.</p>`;
  if (t && t.mechanism === "deposit") {
    deposits += `<p>Now${of}: an addition in the next block holds ${b(t.quote.deposit.eth, "about-deposit")} (cost weight ${esc(t.cost_weight ? t.cost_weight.eth : "?")}). The page asks your wallet for that plus a ${t.quote.margin_percent}% margin, ${b(t.quote.value.eth, "about-value")}, because another addition may land first and raise it; the contract takes only the deposit due when your transaction lands and sends the rest back in the same transaction.</p>
      <ul>
        <li><strong>Refund.</strong> After ${b(duration(t.refund_wait_s), "about-refund-wait")}, if the model then still predicts the label you gave, you take your deposit back (gas is not refunded).</li>
        <li><strong>Report.</strong> After the same wait, if the model disagrees with a contribution's label, anyone with a refunded contribution of their own may report it: their share of its deposit is removed, half paid to them and half burned. A naive Bayes model also forgets the sample at its first such take: its counts are subtracted.</li>
        <li><strong>Leftovers.</strong> After ${b(duration(t.owner_claim_wait_s), "about-owner-wait")} the trainer's owner may take what is left of a deposit; after ${b(duration(t.any_address_claim_wait_s), "about-any-wait")} anyone may. Claim yours before then.</li>
      </ul>`;
  } else {
    deposits += `<p>After the trainer's refund wait you take the deposit back if the model still agrees with your label; otherwise those with good contributions may report it and take a share; after longer waits the owner, then anyone, may take what is left. While the model rejects the sample, every such take pays half and burns half, so nobody, with however many accounts, gets back more than half of a rejected deposit.${trainers.length ? " Choose a deposit model above to see its numbers." : ""}</p>`;
  }
  const pointsWait = t && t.mechanism === "points" ? `${b(duration(t.refund_wait_s), "about-points-wait")}` : "the trainer's wait";
  const markets = trainers.filter((x) => x.mechanism === "market");
  main.innerHTML = `
    <h1>About decai</h1>
    <p class="lead">decai keeps a machine-learning model in a smart contract on ${esc(state.network.name)} (chain ${state.network.chain_id}). Anyone can ask it for a prediction, for free, and anyone can train it by adding a labelled sample; the incentive mechanism decides what adding costs and earns.</p>
    ${choice}
    <section class="card" aria-labelledby="about-deposits"><h2 id="about-deposits">Deposits, refunds and reports</h2>${deposits}</section>
    <section class="card" aria-labelledby="about-points"><h2 id="about-points">Points</h2>
      <p>A points trainer asks no money. A contribution the model still agrees with after ${pointsWait} earns its author a point; one it disagrees with can be reported by someone with a point of their own. Points and badges show who contributed well; they are worth nothing and cannot be sold or withdrawn.</p></section>
    <section class="card" aria-labelledby="about-markets"><h2 id="about-markets">Prediction markets</h2>
      <p>A provider who wants a better model puts up a bounty and commits a hidden test set (only its hashes, in portions). Contributors each add samples with a stake during participation. Then the provider reveals the test set portion by portion, and the contract replays the contributions in order, measuring on it how each changed the model's errors: each starts with its stake, gains when it lowered the errors and loses when it raised them, and those that fall below one stake are dropped. Contributors withdraw their balances; together they can never gain more than the bounty, nor more than the bounty times the drop in errors, and the provider takes back the rest of the bounty. If the provider does not reveal in time, the provider loses the bounty and every stake comes back.${markets.length ? ` On this network: ${markets.map((m) => `${esc(nameOf(m))} (${esc(m.phase)}, stake ${esc(m.stake.eth)}, bounty ${esc(m.bounty.eth)})`).join("; ")}.` : ""}</p></section>
    <section class="card" aria-labelledby="about-promises"><h2 id="about-promises">What it can and cannot promise</h2>
      <ul>
        <li><strong>Accuracy:</strong> none. The model is what its data made it; every addition changes it, and the incentives make bad data costly, not impossible. A prediction is a guess to check, never advice. A market's test errors are measured on the provider's test set only.</li>
        <li><strong>Money:</strong> the contract's rules are fixed when it is deployed and no one, not its owner, can change them or move a deposit outside them. A deposit comes back only if the model agrees with your label after the wait, and only if you claim it in time. Gas is never refunded. There is no one to appeal to: a transaction sent cannot be undone.</li>
        <li><strong>Privacy:</strong> everything you add is public and permanent on the chain, with your address.</li>
        <li><strong>Software:</strong> the contracts are tested but carry no warranty; a bug could lose what they hold. Put in only what you can afford to lose.</li>
      </ul></section>
    <section class="card" aria-labelledby="about-safety"><h2 id="about-safety">Safety</h2>
      <ul>
        <li>Anyone can deploy a contract with any name and anyone can add any text. The dashboard shows names, descriptions and contributed text only of trusted trainers: those in your own deployment records and those in the trusted list given with <code>ape run dashboard --trusted FILE</code>. Others are hidden until you choose to show them.</li>
        <li>An address added by hand is listed only if its code is that of a decai contract compiled in this checkout.</li>
        <li>Your wallet signs every transaction; no private key reaches this server. Check the amount your wallet shows before you confirm.</li>
        <li>${state.network.explorer ? `Addresses and transactions link to <a href="${esc(state.network.explorer)}" target="_blank" rel="noopener noreferrer">${esc(state.network.explorer)}</a>, where you can check them independently.` : "On a local chain nothing here is real money, and no explorer knows its transactions."}</li>
        <li>This server answers only its own page, on this machine.</li>
      </ul></section>`;
  $("#about-model")?.addEventListener("change", (event) => { location.hash = `#/about/${event.target.value}`; });
}
