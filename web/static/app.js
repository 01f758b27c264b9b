// Shared helpers of every page: translations, the CSRF-protected JSON API, small DOM builders.
// Platform text only ever goes into the page through textContent or attribute values.
"use strict";
(function () {
  const catalogue = JSON.parse(document.getElementById("messages").textContent || "{}");

  function t(message, values) {
    let text = catalogue[message] || message;
    if (values) {
      for (const [k, v] of Object.entries(values)) text = text.split("{" + k + "}").join(String(v));
    }
    return text;
  }

  function csrf() {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  // While the server cannot reach its database it answers 503 with Retry-After: say so, wait,
  // and send the same request again (for reads, and for writes that carry an idempotency key,
  // so a retried reply is never posted twice). Two minutes at most, then the error shows.
  const OUTAGE_PATIENCE_MS = 120000;

  function outageNotice(show) {
    let notice = document.getElementById("outage");
    if (show && !notice) {
      notice = el("div", { id: "outage", class: "outage", role: "status", text: t("Reconnecting…") });
      document.body.prepend(notice);
    } else if (!show && notice) {
      notice.remove();
    }
  }

  async function fetchPatiently(path, options, retryable) {
    const giveUpAt = Date.now() + OUTAGE_PATIENCE_MS;
    for (;;) {
      let response = null;
      try { response = await fetch(path, options); } catch (e) { if (!retryable) throw e; }
      if (response && (response.status !== 503 || !retryable || Date.now() > giveUpAt)) {
        outageNotice(false);
        return response;
      }
      if (!response && Date.now() > giveUpAt) throw new Error(t("Reconnecting…"));
      outageNotice(true);
      const after = Number(response && response.headers.get("Retry-After")) || 5;
      await new Promise((resolve) => setTimeout(resolve, Math.min(after, 30) * 1000));
    }
  }

  async function api(method, path, body) {
    const options = { method, headers: { "Accept": "application/json" }, credentials: "same-origin" };
    if (method !== "GET") {
      options.headers["Content-Type"] = "application/json";
      options.headers["X-CSRF-Token"] = csrf();
      options.body = JSON.stringify(body || {});
    }
    const retryable = method === "GET" || Boolean(body && body.idempotency_key);
    const response = await fetchPatiently(path, options, retryable);
    let data = {};
    try { data = await response.json(); } catch (e) { data = {}; }
    if (!response.ok) {
      const error = new Error(data.error || response.statusText);
      error.status = response.status;
      throw error;
    }
    return data;
  }

  // el("p", {class: "x", dataset: {id: 1}}, "text", child, ...): text children become text nodes.
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "dataset") Object.assign(node.dataset, v);
      else if (k === "text") node.textContent = v;
      else node.setAttribute(k, v === true ? "" : String(v));
    }
    for (const child of children) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  // Only http(s) links from platforms become clickable (the server checks them too).
  function safeUrl(url) {
    if (typeof url !== "string") return null;
    try {
      const parsed = new URL(url);
      return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
    } catch (e) { return null; }
  }

  // A wide table scrolls inside its own box on a phone; keyboard users must reach that box too.
  function scrollableTables() {
    for (const table of document.querySelectorAll("main table, main .table-scroll")) {
      if (table.scrollWidth > table.clientWidth + 1) table.setAttribute("tabindex", "0");
      else table.removeAttribute("tabindex");
    }
  }
  document.addEventListener("DOMContentLoaded", scrollableTables);
  window.addEventListener("resize", scrollableTables);

  // A slider says its value beside it as it moves (a share as a percentage).
  document.addEventListener("input", (event) => {
    const range = event.target;
    if (!(range instanceof HTMLInputElement) || range.type !== "range" || !range.dataset.output) return;
    const out = document.getElementById(range.dataset.output);
    const percent = document.documentElement.lang === "fr" ? " %" : "%";
    if (out) out.textContent = "percent" in range.dataset ? Math.round(Number(range.value) * 100) + percent : range.value;
  });

  document.addEventListener("change", (event) => {
    if (event.target.matches("select[data-autosubmit]")) event.target.form.submit();
  });

  // The account menu (a <details>) closes like a menu: Escape (focus back on its button) or a
  // click elsewhere on the page.
  document.addEventListener("keydown", (event) => {
    const open = event.key === "Escape" && document.querySelector("details.account-menu[open]");
    if (!open) return;
    open.open = false;
    open.querySelector("summary").focus();
  });
  document.addEventListener("click", (event) => {
    const open = document.querySelector("details.account-menu[open]");
    if (open && !open.contains(event.target)) open.open = false;
  });

  // The add-connection form holds every platform's settings: show (and send) only the chosen
  // platform's; without script they all show, each under its platform's name.
  function showPlatformSettings() {
    const select = document.getElementById("connection-platform");
    if (!select) return;
    for (const set of document.querySelectorAll("fieldset.platform-settings")) {
      const mine = set.dataset.platform === select.value;
      set.hidden = !mine;
      set.disabled = !mine;
    }
  }
  document.addEventListener("change", (event) => {
    if (event.target.id === "connection-platform") showPlatformSettings();
  });
  document.addEventListener("DOMContentLoaded", showPlatformSettings);


  // ---- installable app and notifications --------------------------------------------------
  // The service worker (/sw.js) keeps the static files for a fast start and shows notifications
  // on phones (where `new Notification()` is not allowed). Anything refused or missing: no-op.
  let worker = null;
  if ("serviceWorker" in navigator && window.isSecureContext) {
    worker = navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => null);
  }

  function canNotify() {
    return "Notification" in window && Notification.permission === "granted";
  }

  // A notification only when nobody is looking at this tab: on screen, the page itself shows it.
  async function notify(title, body, url, tag) {
    if (!canNotify() || (document.visibilityState === "visible" && document.hasFocus())) return false;
    const options = { body: String(body || "").slice(0, 200), tag, renotify: false, icon: "/static/icon-192.png",
                      badge: "/static/icon-192.png", lang: document.documentElement.lang, data: { url } };
    try {
      const registration = worker && await worker;
      if (registration && registration.active) { await registration.showNotification(title, options); return true; }
      const note = new Notification(title, options);
      note.onclick = () => { window.focus(); window.location.assign(url); note.close(); };
      return true;
    } catch (e) {
      return false;  // blocked, or a browser that only allows notifications from a worker
    }
  }

  // Web Push: the browser's push service wakes the service worker even with Jasette closed.
  // Subscribed once per session; where no push service answers (or it is refused), the
  // notifications of an open tab above still work.
  const PUSHED = "jasette-push-endpoint";
  async function subscribePush() {
    if (!canNotify() || !worker || !document.getElementById("alert-banners")) return;  // logged out: nobody to notify
    try {
      const registration = await navigator.serviceWorker.ready;
      if (!registration.pushManager) return;
      let subscription = await registration.pushManager.getSubscription();
      if (!subscription) {
        const { public_key: key } = await api("GET", "/api/push/key");
        const raw = atob(key.replace(/-/g, "+").replace(/_/g, "/"));
        subscription = await registration.pushManager.subscribe({
          userVisibleOnly: true, applicationServerKey: Uint8Array.from(raw, (c) => c.charCodeAt(0)) });
      }
      if (sessionStorage.getItem(PUSHED) === subscription.endpoint) return;
      await api("POST", "/api/push/subscriptions", subscription.toJSON());
      sessionStorage.setItem(PUSHED, subscription.endpoint);
    } catch (e) { /* no push service reachable from this browser */ }
  }
  document.addEventListener("DOMContentLoaded", subscribePush);

  // The browser asks for permission only after a click, never on its own at page load.
  function notifyOffer(button) {
    if (!button || !("Notification" in window) || Notification.permission !== "default") return;
    button.hidden = false;
    button.addEventListener("click", async () => {
      try { await Notification.requestPermission(); } catch (e) { /* an old browser: nothing to do */ }
      button.hidden = true;  // granted or refused: either way the question is answered
      subscribePush();
    });
  }

  window.Jasette = { t, api, el, safeUrl, csrf, notify, notifyOffer };
})();
