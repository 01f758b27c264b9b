// The inbox page: puts its parts together and owns moving between items — opening one, the
// one-column phone screen and its history entry, moving on from a finished item, keyboard
// shortcuts. The parts, loaded before this file (templates/inbox.html; order matters):
// rows.js (how an item looks), stream.js (the list as items change live), pane.js (the open
// item), live.js (the websocket), presence.js, chime.js, bulk.js.
"use strict";
(function () {
  const { api } = window.Jasette;
  const state = JSON.parse(document.getElementById("inbox-state").textContent);
  const stream = document.getElementById("stream");
  // The one column of phones: the list, or the item as its own screen.
  const narrow = window.matchMedia("(max-width: 800px)");

  // Who is on which item; one's own other tabs are not news.
  const presence = window.Jasette.Presence(stream, () => (pane.current() ? pane.current().id : null),
    (p) => p.conn === live.conn() || p.user === state.user);
  const pane = window.Jasette.Pane({ presence, send: (message) => live.send(message), act, back, neighbour, moveOnFrom });
  const list = window.Jasette.Stream({ state, presence, narrow, changed: pane.itemChanged });
  const live = window.Jasette.Live(state.server_now, {
    item: list.upsert, reply: pane.showReply,
    present: presence.snapshot, presence: presence.changed, offline: presence.clear,
  });

  if (state.urgent_sound) window.Jasette.sound.enable();  // static/chime.js

  // ---- one column (phones): the list, or the item as its own screen -----------------------
  // The item screen is a history entry, so the phone's own back gesture returns to the list.
  function showItemScreen(id, how) {
    if (!narrow.matches) return;
    document.body.dataset.view = "item";
    if (how === "push") {
      const q = listQuery();
      history.pushState({ jasetteItem: Number(id), pushed: true }, "", `?${q ? q + "&" : ""}item=${Number(id)}`);
    }
    window.scrollTo(0, 0);
  }

  function listQuery() {
    const params = new URLSearchParams(location.search);
    params.delete("item");
    return params.toString();
  }

  function showList() {
    delete document.body.dataset.view;
    const row = stream.querySelector("li.item.current");
    if (row) { row.scrollIntoView({ block: "center" }); row.focus({ preventScroll: true }); }
  }

  function back() {
    live.leave();
    if (history.state && history.state.pushed) { history.back(); return; }  // popstate shows the list
    const q = listQuery();  // opened from a link (/items/N): the list replaces it
    history.replaceState(null, "", q ? `?${q}` : location.pathname);
    showList();
  }

  window.addEventListener("popstate", (event) => {
    const id = event.state && event.state.jasetteItem;
    if (id) { showItemScreen(id, "none"); if (!pane.current() || pane.current().id !== id) open(id, "none"); }
    else { live.leave(); showList(); }
  });
  narrow.addEventListener("change", () => { if (!narrow.matches) delete document.body.dataset.view; else if (pane.current() && state.selected) showItemScreen(pane.current().id, "none"); });

  async function open(id, how = "push") {
    const row = stream.querySelector(`li.item[data-id="${Number(id)}"]`);
    stream.querySelectorAll("li.item.current").forEach((r) => r.classList.remove("current"));
    if (row) { row.classList.add("current"); if (!narrow.matches) row.scrollIntoView({ block: "nearest" }); }
    showItemScreen(id, how);
    live.view(Number(id));  // colleagues learn it now, not after the pane has loaded
    if (!(await pane.load(Number(id)))) return;
    if (narrow.matches && document.body.dataset.view === "item") document.getElementById("pane-title").focus({ preventScroll: true });
  }

  // ---- acting on the item, and moving on ---------------------------------------------------
  // The highlighted row is the truth for shortcuts: the pane may still be loading it.
  function currentId() {
    const row = stream.querySelector("li.item.current");
    return row ? Number(row.dataset.id) : pane.current() ? pane.current().id : null;
  }

  async function act(action, body) {
    const id = currentId();
    if (id === null) return;
    const after = neighbour(id);  // read now: the live update may take the row away first
    await api("POST", `/api/items/${id}/${action}`, body);
    if (action === "status" && body.status === "done") moveOnFrom(id, after);
  }

  // A finished item leaves the screen: the next one opens (the one above at the end of the
  // list), or the list comes back on a phone, so nobody keeps reading what is already done.
  function neighbour(id) {
    const rows = [...stream.querySelectorAll("li.item")];
    const at = rows.findIndex((r) => Number(r.dataset.id) === Number(id));
    const next = at < 0 ? null : rows[at + 1] || rows[at - 1];
    return next ? Number(next.dataset.id) : null;
  }

  function moveOnFrom(id, after) {
    const current = pane.current();
    if (!current || current.id !== Number(id)) return;  // the reader already moved on
    if (narrow.matches) { back(); return; }
    if (after !== null && stream.querySelector(`li.item[data-id="${after}"]`)) { open(after); return; }
    live.leave();
    pane.clear();
  }

  // ---- the list's rows, and the keyboard ---------------------------------------------------
  stream.addEventListener("click", (event) => {
    const row = event.target.closest("li.item");
    if (row && !event.target.matches(".pick")) open(row.dataset.id);
  });
  stream.addEventListener("keydown", (event) => {  // a focused row opens with Enter, like a link
    const row = event.target.closest("li.item");
    if (row && event.target === row && event.key === "Enter") { event.preventDefault(); open(row.dataset.id); }
  });

  function move(step) {
    const rows = [...stream.querySelectorAll("li.item")];
    if (!rows.length) return;
    const at = rows.findIndex((r) => r.classList.contains("current"));
    const next = rows[Math.max(0, Math.min(rows.length - 1, at < 0 ? 0 : at + step))];
    open(next.dataset.id);
  }
  document.addEventListener("keydown", async (event) => {
    if (event.target.closest("input, textarea, select, [contenteditable]") || event.ctrlKey || event.metaKey || event.altKey) return;
    const key = event.key;
    if (key === "j") move(1);
    else if (key === "k") move(-1);
    else if (key === "r" && document.getElementById("reply")) { event.preventDefault(); document.getElementById("reply").focus(); }
    else if (key === "e") await act("status", { status: "done" });
    else if (key === "a") await act("assign", { user_id: state.user });
    else if (key === "x") { const row = stream.querySelector("li.item.current"); if (row) row.querySelector(".pick").click(); }
    else if (key === "?") document.getElementById("shortcuts").showModal();
  });

  // A refused action (another brand's item, a bad date...) says why instead of failing silently.
  window.addEventListener("unhandledrejection", (event) => {
    const notice = document.getElementById("notice");
    notice.textContent = event.reason && event.reason.message ? event.reason.message : String(event.reason);
    setTimeout(() => { notice.textContent = ""; }, 8000);
  });

  // Closing the tab closes the socket (the server says "left"); saying it first is quicker.
  window.addEventListener("pagehide", live.leave);
  live.connect();
  if (state.selected) {  // a link to one item (/items/N): its own screen on a phone, the list one step back
    history.replaceState({ jasetteItem: Number(state.selected) }, "", location.href);
    open(state.selected, "none");
  }
  window.Jasette.notifyOffer(document.getElementById("notify-on"));
})();
