// The trusted list: a trainer that is neither in the user's own deployment
// records nor in the --trusted file (the server's `trusted` field) has its
// name, description and contributed text hidden until the user chooses to
// show them, for this trainer and this browser session.
import { state, esc, short, words } from "./core.js";

const key = (address) => `decai.show.${String(address).toLowerCase()}`;
export function hidden(t) { return !t.trusted && sessionStorage.getItem(key(t.address)) !== "1"; }
export function nameOf(t) { return hidden(t) ? `Unlisted trainer ${short(t.address)}` : t.name; }
export function describe(t) {
  return hidden(t) ? `<span class="unlisted-note">Not on your trusted list: its name, description and contributed text are hidden.</span>` : esc(t.description);
}
// A contribution's words, or a placeholder while the trainer's texts are hidden.
export function wordsOf(t, list) { return hidden(t) ? `<span class="muted hidden-text">hidden</span>` : words(list); }

// The notice on a trainer's or market's page, with the button that shows or hides again.
export function trustNotice(t) {
  if (t.trusted) return "";
  return hidden(t)
    ? `<div class="message warn" id="trust-notice"><p>This trainer is not on your trusted list (your deployment records and the <code>--trusted</code> file). Anyone can deploy a contract with any name and anyone can add any text, so its name, description and contributed text are hidden.</p>
       <button type="button" id="show-untrusted" class="secondary">Show its name, description and data</button></div>`
    : `<div class="message info" id="trust-notice"><p>Not on your trusted list: shown at your request for this session.</p>
       <button type="button" id="hide-untrusted" class="secondary">Hide them again</button></div>`;
}
export function bindTrust(t) {
  const show = document.getElementById("show-untrusted"), hide = document.getElementById("hide-untrusted");
  if (show) show.addEventListener("click", () => { sessionStorage.setItem(key(t.address), "1"); state.route(true); });
  if (hide) hide.addEventListener("click", () => { sessionStorage.removeItem(key(t.address)); state.route(true); });
}
