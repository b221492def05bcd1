// The model page's health: the monitor's accuracy series as a chart (and
// a table of its rows), and what a keeper would do for the chosen account:
// its pending refunds, when each opens, and its next actions (the server
// asks the keeper's own decisions; nothing is sent).
import { $, state, api, esc, short, date, countdown, tickCountdowns } from "./core.js";
import { accuracyChart } from "./chart.js";

export function healthSections(t) {
  if (t.mechanism === "market") return "";
  return `
    <section class="card" aria-labelledby="health-title" id="health">
      <h2 id="health-title">Accuracy over time</h2>
      <div id="health-body" aria-live="polite"><span class="loading">Reading the series</span></div>
    </section>
    ${state.account ? `<section class="card" aria-labelledby="keeper-title" id="keeper">
      <h2 id="keeper-title">Keeper for your account</h2>
      <div id="keeper-body" aria-live="polite"><span class="loading">Asking the keeper</span></div>
    </section>` : ""}`;
}

export async function loadHealth(t) {
  if (t.mechanism === "market") return;
  await Promise.all([showSeries(t), state.account ? showKeeper(t, state.account) : null]);
  tickCountdowns();
}

async function showSeries(t) {
  const body = $("#health-body");
  try {
    const s = await api(`/api/trainers/${t.address}/series`);
    if (!s.rows.length) {
      body.innerHTML = `<p class="muted" id="no-series">No measurements yet. Run <code>ape run monitor --trainer … --heldout … --series DIR/&lt;name&gt;.csv</code> and start the dashboard with <code>--series DIR</code>.</p>`;
      return;
    }
    // A points trainer holds no ether: its rows leave the deposits out.
    const money = t.mechanism !== "points";
    const rows = s.rows.map((r) => `<tr data-block="${r.block}"><td>${r.block}</td><td>${esc(date(r.timestamp))}</td>
      <td>${(r.accuracy * 100).toFixed(1)}%</td><td>${r.contributions}</td>${money ? `<td>${esc(r.deposits_held.eth)}</td>` : ""}<td>${r.reports}</td></tr>`).join("");
    body.innerHTML = `<p class="hint">Measured by the monitor on ${s.rows[0].samples} held-out samples (<span class="mono">${esc(s.source)}</span>). Solid: accuracy (left axis); dashed: contributions (right axis).</p>
      <div class="chart">${accuracyChart(s.rows)}</div>
      <details><summary>The measurements</summary><div class="table-wrap"><table id="series-table"><thead><tr><th>Block</th><th>Time</th><th>Accuracy</th><th>Contributions</th>${money ? "<th>Deposits held</th>" : ""}<th>Reports</th></tr></thead><tbody>${rows}</tbody></table></div></details>`;
  } catch (error) { body.innerHTML = `<p class="message error">${esc(error.message)}</p>`; }
}

// The keeper's words per mechanism: a points trainer's "refund" claims a point.
const WORDS = {
  deposit: { verb: { refund: "Refund", report: "Report", sweep: "Sweep" }, pending: "Pending refunds", amount: "Deposit",
    opens: "Refund", later: "the next refund opens", none: "no refund of yours is pending" },
  points: { verb: { refund: "Claim the point of", report: "Report" }, pending: "Points to claim", amount: "Point",
    opens: "Claim", later: "the next point can be claimed", none: "no point of yours is waiting" },
};

async function showKeeper(t, account) {
  const body = $("#keeper-body");
  try {
    const k = await api(`/api/trainers/${t.address}/keeper?account=${account}`);
    const w = WORDS[t.mechanism] || WORDS.deposit;
    const pending = k.pending_refunds.map((p) => `<tr data-key="${esc(p.key)}" data-added="${p.added_time}" data-opens-at="${p.opens_at}"><td class="mono" title="${esc(p.key)}">${esc(short(p.key))}</td>
      <td>${t.mechanism === "points" ? "1" : esc(p.deposit.eth)}</td><td>${esc(date(p.added_time))}</td><td>${countdown(p.opens_at, `open since ${date(p.opens_at)}`)}</td></tr>`).join("");
    const next = k.next.map((a) => `<li data-kind="${esc(a.kind)}" data-key="${esc(a.key)}">${w.verb[a.kind] || esc(a.kind)} <span class="mono" title="${esc(a.key)}">${esc(short(a.key))}</span>: ${esc(a.expected.eth)} for ~${esc(a.gas_cost.eth)} gas</li>`).join("");
    const later = k.next_opening ? `Nothing to send now; ${w.later} ${esc(date(k.next_opening))}.` : `Nothing to send now, and ${w.none}.`;
    body.innerHTML = `<p class="hint">What <code>ape run keeper --trainer ${esc(t.address)} --account …</code> would do for ${esc(short(account))}, decided now by the keeper's own rules.</p>
      <h3>${w.pending}</h3>
      ${pending ? `<div class="table-wrap"><table id="keeper-pending"><thead><tr><th>Contribution</th><th>${w.amount}</th><th>Added</th><th>${w.opens}</th></tr></thead><tbody>${pending}</tbody></table></div>` : `<p class="muted" id="keeper-no-pending">None.</p>`}
      <h3>Next</h3>
      ${next ? `<ul id="keeper-next">${next}</ul>` : `<p id="keeper-next-none">${later}</p>`}`;
  } catch (error) { body.innerHTML = `<p class="message error">${esc(error.message)}</p>`; }
}
