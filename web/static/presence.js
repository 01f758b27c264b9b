// Presence on the inbox page: who is on which item, per websocket (conn), shown in the open
// item's pane and on the list's rows. Changes arrive at once ("presence"); snapshots ("present":
// on connecting, then on the server's heartbeat while anyone is on anything) bring whoever was
// there before and heal anything missed. Both carry `at`, the database's clock in ms: a
// snapshot never undoes a change newer than itself. Names go in as text, never as markup.
"use strict";
(function () {
  const { t, el } = window.Jasette;
  const TYPING_MS = 6000;  // "is typing" fades to "is viewing" this long after the last keystroke report

  // stream: the list; openItem(): the id shown in the pane (or null); isMine(p): one's own sockets.
  function Presence(stream, openItem, isMine) {
    const people = new Map();   // conn -> {item, user, name, at, typingUntil}
    const goneAt = new Map();   // conn -> when it left (an older snapshot must not bring it back)
    let timer = null;

    function put(p, at, typingUntil) {
      people.set(p.conn, { item: Number(p.item), user: p.user, name: String(p.name || ""), at, typingUntil });
    }

    function changed(m) {
      if (isMine(m)) return;
      const at = Number(m.at) || 0;
      const old = people.get(m.conn);
      if (old && old.at > at) return;
      if (m.what === "left") { people.delete(m.conn); goneAt.set(m.conn, at); }
      else put(m, at, m.what === "typing" ? Date.now() + TYPING_MS : 0);
      show();
    }

    function snapshot(m) {
      const at = Number(m.at) || 0;
      const listed = new Set(m.people.map((p) => p.conn));
      for (const [conn, p] of people) if (!listed.has(conn) && p.at <= at) people.delete(conn);
      for (const p of m.people) {
        const old = people.get(p.conn);
        if (isMine(p) || (old && old.at > at) || (goneAt.get(p.conn) || 0) > at) continue;
        put(p, at, p.what === "typing" ? (old && old.typingUntil) || Date.now() + TYPING_MS : 0);
      }
      for (const [conn, when] of goneAt) if (when < at - 60000) goneAt.delete(conn);
      show();
    }

    function clear() { people.clear(); show(); }

    function on(itemId) { // one line per person (typing in one tab wins over viewing in another)
      const now = Date.now();
      const byUser = new Map();
      for (const p of people.values()) {
        if (p.item !== itemId) continue;
        const typing = p.typingUntil > now;
        const seen = byUser.get(p.user);
        if (!seen || (typing && !seen.typing)) byUser.set(p.user, { name: p.name, typing });
      }
      return [...byUser.values()].map((p) => p.typing ? t("{name} is typing a reply…", { name: p.name })
                                                       : t("{name} is viewing this comment", { name: p.name })).join(" · ");
    }

    function markRow(row) {
      const text = on(Number(row.dataset.id));
      let tag = row.querySelector(".row-presence");
      if (!text) { if (tag) tag.remove(); return; }
      if (!tag) { tag = el("span", { class: "badge row-presence" }); row.querySelector(".chips").append(tag); }
      if (tag.textContent !== text) tag.textContent = text;
    }

    function show() {
      const box = document.getElementById("presence");
      const open = openItem();
      if (box && open !== null) {
        const text = on(open);
        if (box.textContent !== text) box.textContent = text;
      }
      const items = new Set([...people.values()].map((p) => p.item));
      for (const row of stream.querySelectorAll("li.item")) {
        if (items.has(Number(row.dataset.id)) || row.querySelector(".row-presence")) markRow(row);
      }
      clearTimeout(timer);  // redraw when the next "is typing" fades
      const now = Date.now();
      const fades = [...people.values()].map((p) => p.typingUntil).filter((u) => u > now);
      if (fades.length) timer = setTimeout(show, Math.min(...fades) - now + 50);
    }

    return { changed, snapshot, clear, show, markRow };
  }

  window.Jasette.Presence = Presence;
})();
