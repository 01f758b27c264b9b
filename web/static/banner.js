// The alert banner at the top of every page of the brand: the inbox page hands it the alerts
// of its own websocket; other pages open a websocket that carries alerts only (?only=alert).
// The title is platform-influenced text: it goes into the page through textContent only.
"use strict";
(function () {
  const { t, el } = window.Jasette;
  const box = document.getElementById("alert-banners");
  if (!box) return;  // the log-in page: nobody to alert
  const DISMISSED = "jasette-dismissed-alerts";

  function dismissed() {
    try { return JSON.parse(sessionStorage.getItem(DISMISSED) || "[]"); } catch (e) { return []; }
  }

  function dismiss(id, banner) {
    banner.remove();
    try { sessionStorage.setItem(DISMISSED, JSON.stringify([...dismissed(), id].slice(-50))); } catch (e) { /* private mode */ }
  }

  // Only a path of this site (a connection's alert leads to Settings); anything else: /alerts.
  function sameSite(link) {
    return typeof link === "string" && link.startsWith("/") && !link.startsWith("//") && !link.startsWith("/\\") ? link : null;
  }

  function show(m) {
    const id = Number(m.alert);
    const link = sameSite(m.link);
    if (!Number.isInteger(id) || box.querySelector(`[data-alert="${id}"]`) || dismissed().includes(id)) return;
    const banner = el("div", { class: `alert-banner kind-${String(m.kind || "").replace(/[^a-z_]/g, "")}`, role: "alert", dataset: { alert: id } },
      el("span", { class: "alert-banner-title", text: String(m.title || m.label || "") }), " ",
      el("a", { href: link || "/alerts", class: "alert-banner-link", text: link ? String(m.link_label || "") : t("See the alerts") }), " ",
      el("button", { type: "button", class: "alert-banner-dismiss", "aria-label": t("Dismiss"), title: t("Dismiss"), text: "×" }));
    banner.querySelector("button").addEventListener("click", () => dismiss(id, banner));
    box.prepend(banner);
    // On the inbox page, stream.js already notifies of each urgent comment itself.
    if (!(m.kind === "negative_mention" && document.getElementById("inbox-state"))) {
      window.Jasette.notify(String(m.title || m.label || ""), t("See the alerts"), "/alerts", `alert-${id}`);
    }
    while (box.children.length > 3) box.lastElementChild.remove();  // the newest three; the rest are on /alerts
  }

  window.Jasette.showAlert = show;
  if (document.getElementById("inbox-state")) return;  // live.js owns the inbox page's websocket

  let retry = 500;
  const decoder = new TextDecoder("utf-8");
  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${location.host}/ws?only=alert`);
    socket.binaryType = "arraybuffer";
    socket.onopen = () => { retry = 500; };
    socket.onmessage = (event) => {
      let messages;
      const text = typeof event.data === "string" ? event.data : decoder.decode(event.data);
      try { messages = JSON.parse(text); } catch (e) { return; }
      for (const m of messages) {
        if (m.t === "alert") show(m);
        else if (m.t === "hello") box.dataset.live = "1";  // tests wait for this, never for time
      }
    };
    socket.onclose = (event) => {
      delete box.dataset.live;
      if (event.code === 4401) return;  // the session ended: the next click goes to log-in
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 10000);
    };
  }
  connect();
})();
