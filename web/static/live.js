// The inbox page's websocket (web/live.py is the server's side): connects, says so in the
// header, reconnects with a growing delay, and resumes from the newest change seen so nothing is
// missed. It also tells the server which item this page has open (presence). inbox.js makes one with
//   Jasette.Live(since, on) -> { connect, send, view, leave, conn }
// since: the server's clock when the page was drawn; on: what to do with each kind of news —
// item(item), reply(reply), present(snapshot), presence(change), offline().
"use strict";
(function () {
  const { t } = window.Jasette;

  function Live(since, on) {
    const liveState = document.getElementById("live-state");
    const decoder = new TextDecoder("utf-8");
    let socket = null;
    let retry = 500;
    let myConn = null;                 // this websocket's id (to ignore our own presence)
    let viewingId = null;              // the item this page told the server it has open

    function connect() {
      const scheme = location.protocol === "https:" ? "wss" : "ws";
      socket = new WebSocket(`${scheme}://${location.host}/ws?since=${encodeURIComponent(since)}`);
      socket.binaryType = "arraybuffer"; // frames are UTF-8 JSON sent as binary (encoded once on the server)
      liveState.dataset.state = "connecting";
      liveState.textContent = t("Connecting…");
      socket.onopen = () => { retry = 500; };
      socket.onmessage = (event) => {
        let messages;
        const text = typeof event.data === "string" ? event.data : decoder.decode(event.data);
        try { messages = JSON.parse(text); } catch (e) { return; }
        for (const m of messages) handle(m);
      };
      socket.onclose = (event) => {
        // 4401: the session ended (log-out elsewhere, new password, removed from the brand).
        if (event.code === 4401) { window.location.assign("/login"); return; }
        liveState.dataset.state = "offline";
        liveState.textContent = t("Reconnecting…");
        on.offline();  // presence is unknown while away; the snapshot after reconnecting says who is there
        setTimeout(connect, retry);
        retry = Math.min(retry * 2, 10000);
      };
    }

    function send(message) {
      if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
    }

    async function handle(m) {
      if (m.t === "hello") {
        myConn = m.conn;
        liveState.dataset.state = "live";
        liveState.textContent = t("Live");
        if (viewingId !== null) send({ t: "view", item: viewingId });
      } else if (m.t === "present") {
        on.present(m);
      } else if (m.t === "items") {
        m.items.forEach((item) => {
          if (item.updated_at && item.updated_at > since) since = item.updated_at;  // the resume point
          on.item(item);
        });
      } else if (m.t === "reply") {
        on.reply(m.reply);
      } else if (m.t === "alert") {
        window.Jasette.showAlert(m);
      } else if (m.t === "presence") {
        on.presence(m);
      } else if (m.t === "resync") {
        // The server's LISTEN connection was lost for a while: reconnecting makes the server
        // send, page by page, everything changed since our newest item (nothing missed).
        socket.close();
      } else if (m.t === "reload") {
        location.reload();
      }
    }

    // Presence (static/presence.js): colleagues see which item this page has open.
    function view(id) {
      if (viewingId === id) return;
      viewingId = id;
      send({ t: "view", item: id });
    }

    function leave() {
      if (viewingId === null) return;
      send({ t: "left", item: viewingId });
      viewingId = null;
    }

    return { connect, send, view, leave, conn: () => myConn };
  }

  window.Jasette.Live = Live;
})();
