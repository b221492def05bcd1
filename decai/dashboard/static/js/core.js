// Shared by every page: the state, formatting, the API (with the session
// token the server wrote into the page), messages and countdowns.

export const $ = (selector, root = document) => root.querySelector(selector);
export const state = { network: null, account: null, mode: null, clockOffset: 0, route: null, flash: null };
const TOKEN = document.querySelector('meta[name="decai-token"]')?.content || "";

export function esc(text) {
  return String(text ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}
export function short(address) { return address ? `${address.slice(0, 6)}…${address.slice(-4)}` : ""; }
export function date(ts) {
  return new Date(ts * 1000).toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");
}
export function duration(seconds) {
  seconds = Math.max(0, Math.round(seconds));
  const parts = [[Math.floor(seconds / 86400), "d"], [Math.floor((seconds % 86400) / 3600), "h"], [Math.floor((seconds % 3600) / 60), "m"], [seconds % 60, "s"]];
  const first = parts.findIndex(([n]) => n > 0);
  if (first < 0) return "0s";
  // The largest unit and the next two, without trailing zeros: "1d", "1d 2h", "3m 5s".
  const shown = parts.slice(first, first + 3);
  while (shown.length > 1 && shown[shown.length - 1][0] === 0) shown.pop();
  return shown.map(([n, unit]) => `${n}${unit}`).join(" ");
}
export function chainNow() { return Math.floor(Date.now() / 1000) + state.clockOffset; }

export class UserError extends Error {}
// The node is not answering: the page tries again by itself (every RECOVER_MS) until it is back.
export class NodeDown extends UserError {}
export const RECOVER_MS = 2000;

export async function api(path, body) {
  const options = body === undefined ? {} : { method: "POST", headers: { "Content-Type": "application/json", "X-Decai-Token": TOKEN }, body: JSON.stringify(body) };
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

export function show(box, kind, text) {
  if (!box) return;
  box.hidden = false;
  box.className = `message ${kind}`;
  box.textContent = text;
}
// Re-render the page, then show `text` in the box with the same id (and a
// link to the transaction `hash` on the explorer, on public networks).
export async function done(box, text, hash) {
  state.flash = { id: box.id, text, hash };
  await state.route();
}
export function clear(box) { if (box) { box.hidden = true; box.textContent = ""; } }
export function showGlobal(kind, text) { show($("#global-message"), kind, text); }

export async function busy(button, work) {
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

export function mechanismTag(m) { return `<span class="tag ${esc(m)}">${esc(m)}</span>`; }

// A live countdown to `deadline` (chain time): "<prefix> 1d 2h 3m (date)", then `doneText`.
export function countdown(deadline, doneText, prefix = "opens in") {
  return `<span class="countdown" data-deadline="${deadline}" data-done="${esc(doneText)}" data-prefix="${esc(prefix)}"></span>`;
}
export function tickCountdowns() {
  for (const el of document.querySelectorAll(".countdown")) {
    const left = Number(el.dataset.deadline) - chainNow();
    el.textContent = left > 0 ? `${el.dataset.prefix} ${duration(left)} (${date(Number(el.dataset.deadline))})` : el.dataset.done;
  }
}

export function words(list) { return `<span class="chips">${list.map((w) => `<span class="chip">${esc(w)}</span>`).join("")}</span>`; }

// A deposit falls while nobody adds and jumps when someone does. Every
// element with data-quote="<trainer address>" shows that trainer's quote for
// the next block (the SDK's, from the server), asked again every few
// seconds while the page shows it: data-part "deposit" (the default),
// "value" (what the wallet is asked for) or "at" (the time it is for).
const QUOTE_EVERY_MS = 4000;
export function followQuotes() {
  clearInterval(state.quoteTimer);
  if (!document.querySelector("[data-quote]")) return;
  state.quoteTimer = setInterval(async () => {
    const shown = [...document.querySelectorAll("[data-quote]")];
    if (!shown.length) { clearInterval(state.quoteTimer); return; }
    for (const address of new Set(shown.map((el) => el.dataset.quote))) {
      try {
        const quote = await api(`/api/trainers/${address}/quote`);
        for (const el of shown.filter((e) => e.dataset.quote === address)) {
          const part = el.dataset.part || "deposit";
          if (part === "at") { el.textContent = date(quote.at); continue; }
          el.textContent = quote[part].eth;
          el.dataset.wei = quote[part].wei;
        }
      } catch (error) { /* the next tick asks again */ }
    }
  }, QUOTE_EVERY_MS);
}

// Explorer links (EIP-3091 paths) on public networks; plain text on local
// chains and forks, whose addresses and transactions no explorer knows.
function explorerLink(path, value, text, cls) {
  const base = state.network && state.network.explorer;
  const label = esc(text ?? value);
  if (!base || !value) return `<span class="mono">${label}</span>`;
  return `<a class="mono ${cls}" href="${esc(`${base}/${path}/${value}`)}" target="_blank" rel="noopener noreferrer" title="${esc(value)} on the explorer">${label}</a>`;
}
export function addressLink(address, text) { return explorerLink("address", address, text, "explorer-address"); }
export function txLink(hash, text) { return explorerLink("tx", hash, text ?? short(hash), "explorer-tx"); }
