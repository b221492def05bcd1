// Accounts and sending: dev accounts (local anvil and forks) send through the
// server with the node's unlocked account; any other account through the
// injected EIP-1193 wallet. Receipts are followed through the server.
import { $, state, api, esc, short, show, clear, showGlobal, UserError, txLink } from "./core.js";

export async function walletRequest(method, params = []) {
  try {
    return await window.ethereum.request({ method, params });
  } catch (error) {
    throw walletError(error);
  }
}

export function walletError(error) {
  const code = error && (error.code ?? error.data?.code);
  const text = String((error && (error.message || error.data?.message)) || error || "");
  if (code === 4001 || /reject|denied|cancel/i.test(text)) return new UserError("You rejected the request in your wallet: nothing was sent.");
  if (code === 4100 || /locked|unauthori/i.test(text)) return new UserError("Your wallet is locked or has not authorised this page: unlock it and connect again.");
  if (/insufficient funds/i.test(text)) return new UserError("Insufficient funds: your account cannot pay for this transaction (value and gas).");
  return new UserError(`The wallet refused: ${text || "unknown error"}`);
}

export async function checkWallet() {
  if (!window.ethereum) throw new UserError("No wallet found: install a browser wallet, or pick a dev account on a local network.");
  const accounts = await walletRequest("eth_accounts");
  if (!accounts || accounts.length === 0) throw new UserError("Your wallet is locked or not connected: unlock it and press Connect wallet.");
  const chainId = parseInt(await walletRequest("eth_chainId"), 16);
  if (chainId !== state.network.chain_id) {
    throw new UserError(`Wrong network: your wallet is on chain ${chainId}, this dashboard is on ${state.network.name} (chain ${state.network.chain_id}). Switch networks in your wallet.`);
  }
  if (accounts[0].toLowerCase() !== state.account.toLowerCase()) {
    state.account = accounts[0];
  }
}

export async function sendTransaction(tx) {
  if (state.mode === "dev") {
    const { hash } = await api("/api/send", { tx });
    return hash;
  }
  await checkWallet();
  const request = { from: state.account, data: tx.data, value: tx.value || "0x0" };
  if (tx.to) request.to = tx.to;
  for (const key of ["gas", "maxFeePerGas", "maxPriorityFeePerGas"]) if (tx[key]) request[key] = tx[key];
  return walletRequest("eth_sendTransaction", [request]);
}

export async function waitFor(hash, onPending) {
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
export async function act(prepareUrl, body, box) {
  if (!state.account) throw new UserError("Choose an account first (top right).");
  show(box, "info", "Checking…");
  const prepared = await api(prepareUrl, { ...body, from: state.account });
  show(box, "info", `${prepared.summary}: ${state.mode === "dev" ? "sending" : "confirm in your wallet"}…`);
  const hash = await sendTransaction(prepared.tx);
  show(box, "info", `${prepared.summary}: sent ${short(hash)}, waiting for the receipt…`);
  if (state.network.explorer && box) box.innerHTML = `${esc(prepared.summary)}: sent ${txLink(hash)}, waiting for the receipt…`;
  const receipt = await waitFor(hash);
  await refreshBalance();
  return { prepared, receipt, hash };
}

export async function refreshBalance() {
  if (!state.account) { $("#balance").textContent = ""; return; }
  try {
    const info = await api(`/api/account/${state.account}`);
    $("#balance").textContent = info.balance.eth;
  } catch (error) { $("#balance").textContent = ""; }
}

export function fillAccounts() {
  const select = $("#account-select");
  const options = [`<option value="">Choose an account…</option>`];
  if (window.ethereum) options.push(`<option value="wallet">Browser wallet${state.mode === "wallet" && state.account ? `: ${short(state.account)}` : ""}</option>`);
  for (const a of state.network.dev_accounts) {
    options.push(`<option value="dev:${a.address}">Dev ${short(a.address)} · ${esc(a.balance.eth)}</option>`);
  }
  select.innerHTML = options.join("");
  select.value = state.mode === "dev" ? `dev:${state.account}` : state.mode === "wallet" && state.account ? "wallet" : "";
  $("#connect-wallet").hidden = !window.ethereum;
}

export async function connectWallet() {
  if (!window.ethereum) throw new UserError("No wallet found in this browser.");
  const accounts = await walletRequest("eth_requestAccounts");
  if (!accounts || !accounts.length) throw new UserError("Your wallet is locked: unlock it and connect again.");
  state.mode = "wallet";
  state.account = accounts[0];
  sessionStorage.setItem("decai.account", "wallet");
  const chainId = parseInt(await walletRequest("eth_chainId"), 16);
  if (chainId !== state.network.chain_id) {
    showGlobal("error", `Wrong network: your wallet is on chain ${chainId}, this dashboard is on ${state.network.name} (chain ${state.network.chain_id}). Switch networks in your wallet.`);
  } else {
    clear($("#global-message"));
  }
}

export async function chooseAccount(value) {
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
  state.route();
}
