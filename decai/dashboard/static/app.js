// decai dashboard: native ES modules, no build step and no third-party code.
// The server (decai/dashboard) reads, encodes and checks; this page asks the
// wallet to send only the transactions the server prepared ({from, to, data,
// value}) and follows their receipts through the server.
import { $, state, api, esc, show, showGlobal, clear, tickCountdowns, followQuotes, txLink, NodeDown, RECOVER_MS } from "./js/core.js";
import { fillAccounts, refreshBalance, chooseAccount, connectWallet } from "./js/wallet.js";
import { pageList } from "./js/list.js";
import { pageTrainer } from "./js/trainer.js";
import { pageMarket } from "./js/market.js";
import { pageNewMarket } from "./js/market-new.js";
import { pageDeploy } from "./js/deploy.js";
import { pageAbout } from "./js/about.js";

// Render the page the URL names. Each page has an h1, which gives the
// document its title; after a route change (`moved`), focus goes to that h1
// so keyboard and screen-reader users start at the new page's heading.
async function route(moved = false) {
  const main = $("#main");
  const [, page, address] = (location.hash || "#/").split("/");
  delete document.body.dataset.ready;
  clearInterval(state.quoteTimer);
  main.innerHTML = `<p class="loading">Loading</p>`;
  main.setAttribute("aria-busy", "true");
  try {
    if (page === "trainer" && address) await pageTrainer(main, address);
    else if (page === "market" && address) await pageMarket(main, address);
    else if (page === "deploy") await pageDeploy(main);
    else if (page === "new-market") await pageNewMarket(main);
    else if (page === "about") await pageAbout(main, address);
    else if (!page) await pageList(main);
    else main.innerHTML = `<h1>Page not found</h1><p>There is no page at <code>${esc(location.hash)}</code>.</p><p><a href="#/">Back to the models</a></p>`;
  } catch (error) {
    main.innerHTML = `<h1>This page could not be opened</h1><div class="message error" role="alert">${esc(error.message)}</div><p><a href="#/">Back to the models</a></p>`;
    if (error instanceof NodeDown) {
      const here = location.hash;
      setTimeout(() => { if (location.hash === here) route(); }, RECOVER_MS);
    }
  } finally {
    main.removeAttribute("aria-busy");
    const heading = main.querySelector("h1");
    document.title = `${heading ? heading.textContent.trim() : "decai"} — decai dashboard`;
    if (heading) heading.tabIndex = -1;
    if (moved && heading) heading.focus();
    if (state.flash) {
      // After an action the page is drawn again; focus goes to its outcome
      // rather than falling back to the top of the document.
      const box = document.getElementById(state.flash.id);
      if (box) {
        show(box, "ok", state.flash.text);
        if (state.flash.hash && state.network.explorer) box.insertAdjacentHTML("beforeend", ` Transaction: ${txLink(state.flash.hash)}.`);
        box.tabIndex = -1; box.focus();
      }
      state.flash = null;
    }
    followQuotes();
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
  $("#network").textContent = `${state.network.name} · chain ${state.network.chain_id}${state.network.dev ? " · dev" : ""}`;
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
  window.addEventListener("hashchange", () => route(true));
  // The skip link moves focus to the page's content; it does not navigate.
  $(".skip").addEventListener("click", (event) => { event.preventDefault(); $("#main").focus(); });
  setInterval(tickCountdowns, 1000);
  await route();
}

state.route = route;
start();
