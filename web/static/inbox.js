// The inbox page: live stream over the websocket, the item pane, replies, workflow, shortcuts.
// Everything from a platform goes into the DOM with textContent (Jasette.el), never innerHTML.
"use strict";
(function () {
  const { t, api, el, safeUrl } = window.Jasette;
  const state = JSON.parse(document.getElementById("inbox-state").textContent);
  const stream = document.getElementById("stream");
  const pane = document.getElementById("pane");
  const liveState = document.getElementById("live-state");
  let since = state.server_now;      // resume point: the newest updated_at seen
  let current = null;                // the item shown in the pane (detail JSON)
  let draftKey = null;               // idempotency key of the reply being written
  let myConn = null;                 // this websocket's id (to ignore our own presence)
  let socket = null;
  let lastTyping = 0;
  let viewingId = null;              // the item this page told the server it has open
  // Who is on which item; one's own other tabs are not news.
  const presence = window.Jasette.Presence(stream, () => (current ? current.id : null),
    (p) => p.conn === myConn || p.user === state.user);

  // ---- the stream ------------------------------------------------------------------------
  const LEVEL_WORDS = { urgent: t("Urgent"), high: t("Important"), normal: t("Normal"), low: t("Low") };

  // The same label as templates/_badges.html: a word, the number, the reasons on hover.
  function priorityLabel(item) {
    const why = item.reasons.map((r) => r.text).join(", ");
    const level = LEVEL_WORDS[item.level] ? item.level : "low";
    return el("span", { class: `prio prio-${level}`, title: t("Priority {n} out of 100", { n: item.priority }) + (why ? ": " + why : "") },
      LEVEL_WORDS[level], " ", el("span", { class: "prio-n", text: item.priority }));
  }

  function avatar(item) {
    const colour = Number(item.author.colour) || 0;
    return el("span", { class: `avatar av-${colour % 8}`, "aria-hidden": "true" }, item.author.initials || "?",
      el("span", { class: `pi pi-${String(item.platform).replace(/[^a-z0-9_-]/g, "")}` }));
  }

  function rowFor(item) {
    const meta = el("div", { class: "meta" },
      el("span", { class: "author", text: item.author.display }),
      el("span", { class: "platform", text: item.platform_name || item.platform }),
      el("span", { class: "time", text: item.created_local }),
      stars(item.rating),
      priorityLabel(item));
    const chips = el("div", { class: "chips" },
      el("span", { class: `badge sentiment sentiment-${String(item.sentiment).replace(/[^a-z]/g, "")}`, text: t(item.sentiment) }),
      el("span", { class: "badge status", text: t(item.status) }),
      item.assignee ? el("span", { class: "badge assignee", text: "→ " + item.assignee.name }) : null,
      ...item.tags.map((tag) => el("span", { class: "badge tag", text: "#" + tag })));
    const reasons = el("ul", { class: "reasons" }, ...item.reasons.map((r) => el("li", { dataset: { code: r.code }, text: r.text })));
    return el("li", {
      class: `item sent-${item.sentiment} status-${item.status} level-${item.level}`, tabindex: "0",
      dataset: { id: item.id, priority: item.priority, created: item.created_at, updated: item.updated_at },
    }, el("input", { type: "checkbox", class: "pick", "aria-label": t("Select") }), avatar(item),
      el("div", { class: "row-main" }, meta, el("p", { class: "body", text: item.body }), chips, reasons));
  }

  function matches(item) {
    const f = state.filters;
    if (Boolean(item.spam) !== Boolean(f.spam)) return false;  // the Spam view and the inbox never share an item
    if (f.platform && item.platform !== f.platform) return false;
    if (f.lang && item.lang !== f.lang) return false;
    if (f.sentiment && item.sentiment !== f.sentiment) return false;
    if (f.stars) {  // "1-2" or "5": only reviews rated within
      const [low, high] = String(f.stars).replace("–", "-").split("-").map(Number);
      if (item.rating == null || item.rating < low || item.rating > (high || low)) return false;
    }
    if (f.status === "all") return true;
    if (f.status && f.status !== "snoozed") return item.status === f.status;
    const snoozed = item.snoozed_until && new Date(item.snoozed_until) > new Date();
    if (f.status === "snoozed") return snoozed;
    return item.status !== "done" && !snoozed;
  }

  function before(a, b) { // true when item a sorts above row b (priority, then newest)
    const pb = Number(b.dataset.priority);
    if (a.priority !== pb) return a.priority > pb;
    return new Date(a.created_at) >= new Date(b.dataset.created);
  }

  // New comments are announced to screen readers (one polite sentence per batch), and an
  // urgent one becomes a system notification when this tab is not the one being looked at.
  const notified = new Set();
  const shownAtLoad = new Set([...stream.querySelectorAll("li.item")].map((r) => Number(r.dataset.id)));
  let arrivals = [];
  function arrived(item) {
    arrivals.push(item);
    if (arrivals.length === 1) {
      setTimeout(() => {
        const batch = arrivals;
        arrivals = [];
        const urgent = batch.filter((i) => i.level === "urgent").length;  // said first, even while held
        let text;
        if (batch.length === 1) {
          text = urgent ? t("Urgent comment from {name}", { name: batch[0].author.display })
                        : t("New comment from {name}", { name: batch[0].author.display });
        } else {
          text = urgent ? t("{n} new comments, {urgent} urgent", { n: batch.length, urgent })
                        : t("{n} new comments", { n: batch.length });
        }
        document.getElementById("announce").textContent = text;
      }, 300);
    }
  }

  function maybeNotify(item) {
    if (item.level !== "urgent" || item.status === "done" || item.spam || notified.has(item.id)) return;
    notified.add(item.id);
    window.Jasette.sound.chime();
    window.Jasette.notify(`${LEVEL_WORDS.urgent} · ${item.author.display} (${item.platform_name || item.platform})`, item.body,
      `/items/${Number(item.id)}`, `item-${Number(item.id)}`);
  }

  // New items are held under the "N new messages — show" bar instead of landing at their rank
  // under the reader's eyes: they join the list when the reader asks, or at once when the reader
  // is at the top of the list with nothing selected (then nothing can move under them).
  const held = new Map();            // item id -> the newest version of a held item
  const barRow = document.getElementById("new-bar-row");
  const bar = document.getElementById("new-bar");

  function scroller() { return narrow.matches ? document.scrollingElement : stream; }
  function reading() {
    const atTop = scroller().scrollTop <= 2;
    return !atTop || Boolean(stream.querySelector("li.item.current")) || picked().length > 0;
  }

  function showBar() {
    barRow.hidden = held.size === 0;
    if (held.size) bar.textContent = held.size === 1 ? t("1 new message — show") : t("{n} new messages — show", { n: held.size });
  }

  // Rows changing above the first visible row would push it down or up: put it back where it was.
  function keepInPlace(change) {
    const box = scroller();
    const top = box === stream ? stream.getBoundingClientRect().top : 0;
    const anchor = [...stream.querySelectorAll("li.item")].find((r) => r.getBoundingClientRect().bottom > top);
    const before = anchor ? anchor.getBoundingClientRect().top : 0;
    change();
    if (anchor && anchor.isConnected) box.scrollTop += anchor.getBoundingClientRect().top - before;
  }

  function place(item, old) {
    const row = rowFor(item);
    if (old && old.classList.contains("current")) row.classList.add("current");
    if (old && old.querySelector(".pick").checked) row.querySelector(".pick").checked = true;
    if (!old) row.classList.add("fresh");
    presence.markRow(row);
    const next = [...stream.querySelectorAll("li.item")].find((r) => r !== old && before(item, r));
    if (old) old.remove();
    stream.insertBefore(row, next || null);
    const empty = document.getElementById("empty");
    if (empty) empty.remove();
    return row;
  }

  function showHeld() {
    const items = [...held.values()];
    held.clear();
    showBar();
    const rows = items.map((item) => place(item, null));
    // The reader asked to see them: the list goes to the top, where the newest one sits.
    const first = rows.sort((a, b) => a.offsetTop - b.offsetTop)[0];
    scroller().scrollTop = 0;
    if (first) first.focus({ preventScroll: true });
  }
  bar.addEventListener("click", showHeld);

  function upsert(item) {
    if (item.updated_at && item.updated_at > since) since = item.updated_at;
    const old = stream.querySelector(`li.item[data-id="${Number(item.id)}"]`);
    const fresh = !old && !shownAtLoad.has(Number(item.id));
    // Search, tag, assignee and date filters are the server's to judge: a new item joins
    // such a view on the next load; rows already shown update in place.
    const fits = matches(item) && (old || !state.complex);
    if (fresh && item.status === "new") maybeNotify(item);  // urgent: announced at once, even while held
    if (!old) {
      const wasHeld = held.delete(Number(item.id));
      if (fits && !wasHeld) arrived(item);
      if (fits && reading()) held.set(Number(item.id), item);
      else if (fits) place(item, null);
      showBar();
      return;
    }
    keepInPlace(() => {
      if (fits) place(item, old); else old.remove();
    });
    if (current && current.id === item.id) {
      const badge = document.getElementById("status");
      if (badge) badge.textContent = t(item.status);  // even while someone types in the pane
      refreshPane();
    }
  }

  // Reaching the top with nothing selected shows what was held (nothing there can jump).
  function maybeRelease() { if (held.size && !reading()) showHeld(); }
  stream.addEventListener("scroll", maybeRelease, { passive: true });
  window.addEventListener("scroll", maybeRelease, { passive: true });

  // ---- the websocket ---------------------------------------------------------------------
  let retry = 500;
  const decoder = new TextDecoder("utf-8");
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
      presence.clear();  // unknown while away; the snapshot after reconnecting says who is there
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
      presence.snapshot(m);
    } else if (m.t === "items") {
      m.items.forEach(upsert);
    } else if (m.t === "reply") {
      showReply(m.reply);
    } else if (m.t === "alert") {
      window.Jasette.showAlert(m);
    } else if (m.t === "presence") {
      presence.changed(m);
    } else if (m.t === "resync") {
      // The server's LISTEN connection was lost for a while: reconnecting makes the server
      // send, page by page, everything changed since our newest item (nothing missed).
      socket.close();
    } else if (m.t === "reload") {
      location.reload();
    }
  }

  // ---- presence (web/static/presence.js) and the urgent sound (web/static/chime.js) -------
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

  if (state.urgent_sound) window.Jasette.sound.enable();

  // ---- the pane --------------------------------------------------------------------------
  function canDo(action) {
    return Boolean(current && (action === "reply" ? current.can_reply : current.can_hide));
  }

  function replyLine(r) {
    // The server says the state in the reader's language (web/reply_words.py).
    const stateText = r.state_text || t(r.state);
    const label = r.action === "reply" ? r.body : t(r.action);
    return el("li", { dataset: { reply: r.id } },
      el("span", { class: "reply-body", text: label }), " — ", el("span", { class: "reply-by", text: r.user }), " ",
      el("span", { class: `reply-state state-${r.state} phase-${r.phase || r.state}`, dataset: { phase: r.phase || r.state }, text: stateText }),
      // A Retry only where it can work: never for a platform that takes no replies (RSS, ...).
      r.state === "failed" && canDo(r.action) ? el("button", { type: "button", class: "retry", dataset: { reply: r.id }, text: t("Retry") }) : null);
  }

  function showReply(r) {
    if (!current || r.item !== current.id) return;
    const list = document.getElementById("replies");
    const old = list.querySelector(`li[data-reply="${Number(r.id)}"]`);
    const line = replyLine(r);
    if (old) old.replaceWith(line); else list.append(line);
    // Known at once (before the pane reloads) so a second Ctrl+Enter asks first.
    current.replies = [...current.replies.filter((x) => x.id !== r.id), r];
    refreshPane(); // a load already under way may predate this state: load again after it
  }

  // A review's rating: five stars drawn, read out as "4 out of 5 stars" (null without one).
  function stars(n) {
    return n ? el("span", { class: "stars", role: "img", "aria-label": t("Rated {n} out of 5", { n }),
      text: "★".repeat(n) + "☆".repeat(5 - n) }) : null;
  }

  function link(url, text) {
    const safe = safeUrl(url);
    return safe ? el("a", { href: safe, target: "_blank", rel: "noopener noreferrer nofollow", text }) : null;
  }

  function mini(item) {
    return el("li", {}, el("span", { class: "platform", text: item.platform_name || item.platform }), " ",
      el("strong", { text: item.author.display }), " ", el("span", { class: "time", text: item.created_local }), " ",
      el("span", { class: "body", text: item.body }));
  }

  function select(name, options, value) {
    return el("select", { name }, ...options.map(([v, label]) => el("option", { value: v, selected: v === value, text: label })));
  }

  // Only the latest load may draw the pane: an older answer arriving late would show stale states.
  let paneSeq = 0;
  let opening = null;  // the item whose load is under way, if any

  async function renderPane(d, seq, draft) {
    const saved = await api("GET", `/api/items/${d.id}/saved-replies`);
    const people = await api("GET", "/api/members");
    if (seq !== paneSeq) return;
    current = d;
    const author = d.author;
    const savedSelect = el("select", { id: "saved", "aria-label": t("Saved replies") },
      el("option", { value: "", text: t("Saved replies…") }),
      ...saved.saved_replies.map((s) => el("option", { value: s.text, dataset: { lang: s.lang }, text: `[${s.lang}] ${s.title}` })));
    const assign = select("assignee", [["", t("Nobody")], ...people.members.map((p) => [String(p.id), p.name])], d.assignee ? String(d.assignee.id) : "");
    assign.id = "assign";
    const replyBox = el("section", { class: "reply-box", "aria-labelledby": "reply-title" },
      el("h3", { id: "reply-title", text: t("Reply") }),
      ...(d.can_reply ? [
        el("textarea", { id: "reply", "aria-label": t("Reply"), placeholder: t("Write your reply (Ctrl+Enter sends)") }),
        el("p", { class: "error", id: "reply-error", role: "alert" }),
        el("div", { class: "reply-actions" }, el("button", { type: "button", class: "primary", id: "send", text: t("Send") }),
          el("button", { type: "button", id: "send-done", title: "Ctrl+Shift+Enter", text: t("Send and mark done") }), savedSelect)]
        : [el("p", { class: "hint", id: "read-only", text: t("Replies to this comment cannot be sent from Jasette.") }), " ",
          link(d.url, t("Answer on the site"))]));
    // Whoever was in the reply box (typing, or "r" pressed while this item loaded) stays there.
    const replying = document.activeElement && document.activeElement.id === "reply";
    pane.replaceChildren(...[
      el("button", { type: "button", class: "back", id: "back", text: "← " + t("Back to the list") }),
      el("div", { class: "presence", id: "presence", "aria-live": "polite" }),
      el("div", { class: "pane-head" }, avatar(d),
        el("h2", { tabindex: "-1", id: "pane-title" }, el("span", { class: "author", text: author.display }), " ",
          author.handle && author.handle !== author.display && /[^0-9]/.test(author.handle) && !author.handle.startsWith("urn:")
            ? el("small", { text: "@" + author.handle }) : null),
        priorityLabel(d)),
      el("p", { class: "meta" }, el("span", { class: "platform", text: d.platform_name || d.platform }), " · ",
        el("span", { text: d.created_local }), " · ", stars(d.rating), d.rating ? " · " : null,
        author.followers !== null ? el("span", { text: t("{n} followers", { n: author.followers }) }) : null, " ",
        link(d.url, t("Open on the platform")), " ", link(author.url, t("Profile"))),
      d.post && (!d.parent || d.parent.id !== d.post.id) ? el("blockquote", { class: "parent post", id: "thread-post" },
        el("small", { text: t("Your post") }), el("p", { class: "body", text: d.post.body })) : null,
      d.parent ? el("blockquote", { class: "parent" }, el("small", { text: d.parent.from_business && d.parent.kind === "post" ? t("Your post") : t("In reply to") }),
        el("p", { class: "body", text: d.parent.body })) : null,
      el("p", { class: "body", id: "item-body", text: d.body }),
      el("ul", { class: "reasons", "aria-label": t("Why this priority") }, ...d.reasons.map((r) => el("li", { dataset: { code: r.code }, text: r.text }))),
      el("p", { class: "detected" },
        el("label", {}, t("Language"), " ", select("lang", [["fr", "Français"], ["en", "English"], ...(["fr", "en"].includes(d.lang) ? [] : [[d.lang, d.lang]])], d.lang)), " ",
        el("label", {}, t("Sentiment"), " ", select("sentiment", ["negative", "neutral", "positive"].map((s) => [s, t(s)]), d.sentiment)), " ",
        d.corrected ? el("em", { id: "corrected", text: t("Corrected (detected: {lang}, {sentiment})", { lang: d.lang_auto, sentiment: t(d.sentiment_auto) }) }) : null),
      d.first_response_seconds !== null
        ? el("p", { class: "hint", id: "first-response", text: t("First answered after {minutes} min", { minutes: Math.round(d.first_response_seconds / 60) }) })
        : null,
      el("p", { class: "workflow" },
        t("Status"), " ", el("span", { id: "status", class: "badge", text: t(d.status) }), " ",
        ...["new", "open", "pending", "done"].map((s) => el("button", { type: "button", dataset: { status: s }, "aria-pressed": String(d.status === s), text: t(s) })), " ",
        el("label", {}, t("Assignee"), " ", assign), " ",
        el("label", {}, t("Snooze until"), " ", el("input", { type: "datetime-local", id: "snooze" })), " ",
        d.can_hide ? el("button", { type: "button", id: "hide", text: d.hidden ? t("Show again") : t("Hide on the platform") }) : null, " ",
        el("button", { type: "button", id: "spam", "aria-pressed": String(Boolean(d.spam)), text: d.spam ? t("Not spam") : t("Mark as spam") })),
      d.spam_mark ? el("p", { class: "hint", id: "spam-mark", text: d.spam_mark.spam
        ? t("Marked as spam by {name}, {when}", { name: d.spam_mark.user || "?", when: d.spam_mark.at_local })
        : t("Marked as not spam by {name}, {when}", { name: d.spam_mark.user || "?", when: d.spam_mark.at_local }) })
        : d.spam ? el("p", { class: "hint", id: "spam-mark", text: t("Spam, as read by Jasette") }) : null,
      el("ul", { id: "replies", class: "replies", "aria-label": t("Replies sent") }, ...d.replies.map(replyLine)),
      replyBox,
      el("section", {}, el("h3", { text: t("Tags") }),
        el("p", { id: "tags" }, ...d.tags.map((tag) => el("button", { type: "button", class: "badge tag", dataset: { untag: tag },
          title: t("Remove the tag"), text: "#" + tag + " ×" }))),
        el("input", { id: "new-tag", placeholder: t("Add a tag"), "aria-label": t("Add a tag") })),
      el("section", {}, el("h3", { text: t("Internal notes") }),
        el("ul", { id: "notes" }, ...d.notes.map((n) => el("li", {}, el("strong", { text: n.user }), " ", el("span", { text: n.body })))),
        el("textarea", { id: "new-note", placeholder: t("Note for the team (not sent to the customer)"), "aria-label": t("Internal notes") }),
        el("button", { type: "button", id: "add-note", text: t("Add the note") })),
      d.thread.length ? el("section", {}, el("h3", { text: t("Thread") }), el("ul", {}, ...d.thread.map(mini))) : null,
      (d.activity || []).length ? el("section", {}, el("h3", { text: t("What was done") }),
        el("ul", { id: "activity", class: "activity" }, ...d.activity.map((a) => el("li", { dataset: { action: a.action } },
          el("time", { text: a.when_local }), " ", el("strong", { text: a.who }), " ", el("span", { text: a.what }))))) : null,
      el("section", {}, el("h3", { text: t("History with this person") }),
        d.history.length ? el("ul", {}, ...d.history.map(mini)) : el("p", { class: "hint", text: t("First contact.") })),
    ].filter(Boolean));
    // The reply box starts empty: a suggestion (its tone fits the item, never on one already
    // answered) is offered beside it, inserted only when someone clicks it.
    const suggested = d.can_reply && saved.saved_replies.find((s) => s.suggested);
    if (suggested) {
      savedSelect.before(el("button", { type: "button", id: "suggestion", class: "suggestion", dataset: { text: suggested.text },
        title: suggested.text, text: t("Suggested: {title}", { title: suggested.title }) }));
    }
    if (draft && d.can_reply) { // a refresh keeps what was being written, and its idempotency key
      document.getElementById("reply").value = draft.text;
      draftKey = draft.key;
    } else {
      draftKey = crypto.randomUUID();
    }
    if (replying && d.can_reply) document.getElementById("reply").focus();
    presence.show();
  }

  // ---- one column (phones): the list, or the item as its own screen -----------------------
  // The item screen is a history entry, so the phone's own back gesture returns to the list.
  const narrow = window.matchMedia("(max-width: 800px)");

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
    leave();
    if (history.state && history.state.pushed) { history.back(); return; }  // popstate shows the list
    const q = listQuery();  // opened from a link (/items/N): the list replaces it
    history.replaceState(null, "", q ? `?${q}` : location.pathname);
    showList();
  }

  window.addEventListener("popstate", (event) => {
    const id = event.state && event.state.jasetteItem;
    if (id) { showItemScreen(id, "none"); if (!current || current.id !== id) open(id, "none"); }
    else { leave(); showList(); }
  });
  narrow.addEventListener("change", () => { if (!narrow.matches) delete document.body.dataset.view; else if (current && state.selected) showItemScreen(current.id, "none"); });

  async function open(id, how = "push") {
    const row = stream.querySelector(`li.item[data-id="${Number(id)}"]`);
    stream.querySelectorAll("li.item.current").forEach((r) => r.classList.remove("current"));
    if (row) { row.classList.add("current"); if (!narrow.matches) row.scrollIntoView({ block: "nearest" }); }
    showItemScreen(id, how);
    view(Number(id));  // colleagues learn it now, not after the pane has loaded
    const seq = ++paneSeq;
    opening = Number(id);
    const detail = await api("GET", `/api/items/${Number(id)}`);
    await renderPane(detail, seq, null);
    if (seq !== paneSeq) return;
    opening = null;
    if (narrow.matches && document.body.dataset.view === "item") document.getElementById("pane-title").focus({ preventScroll: true });
  }

  async function refreshPane() {
    // Never wipe what someone is typing in the pane; the next change refreshes it.
    const active = document.activeElement;
    if (!current || (active && pane.contains(active) && active.matches("textarea, input") && active.value)) return;
    if (opening !== null && opening !== current.id) return;  // a live change of the item being left must not win over the one opening
    const seq = ++paneSeq;
    const box = document.getElementById("reply");
    const draft = { text: box ? box.value : "", key: draftKey };
    const opened = current.loaded_at; // keep the collision check tied to when it was opened
    const detail = await api("GET", `/api/items/${current.id}`);
    if (seq !== paneSeq) return;
    detail.loaded_at = opened;
    await renderPane(detail, seq, draft);
  }

  function answered(d) {
    return d.first_response_seconds !== null || d.replies.some((r) => r.action === "reply" && r.state !== "failed");
  }

  async function sendReply(done = false) {
    const box = document.getElementById("reply");
    const error = document.getElementById("reply-error");
    if (!current || !box || !box.value.trim()) return;
    const sentFor = current.id;
    const after = done ? neighbour(sentFor) : null;
    // One keystroke must not answer a customer twice: a second reply is sent only once confirmed.
    if (answered(current) && !window.confirm(t("This comment already has a reply. Send another one?"))) return;
    error.textContent = "";
    try {
      const data = await api("POST", `/api/items/${current.id}/replies`, { body: box.value, idempotency_key: draftKey, opened_at: current.loaded_at, done });
      box.value = "";
      draftKey = crypto.randomUUID();
      showReply(data.reply);
      if (done) moveOnFrom(sentFor, after);
    } catch (e) {
      error.textContent = e.message;
    }
  }

  // The highlighted row is the truth for shortcuts: the pane may still be loading it.
  function currentId() {
    const row = stream.querySelector("li.item.current");
    return row ? Number(row.dataset.id) : current ? current.id : null;
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
    if (!current || current.id !== Number(id)) return;  // the reader already moved on
    if (narrow.matches) { back(); return; }
    if (after !== null && stream.querySelector(`li.item[data-id="${after}"]`)) { open(after); return; }
    leave();
    current = null;
    paneSeq++;
    pane.replaceChildren(el("p", { class: "hint pane-hint", text: t("Choose a comment on the left, or press j.") }));
  }

  // ---- events ----------------------------------------------------------------------------
  stream.addEventListener("click", (event) => {
    const row = event.target.closest("li.item");
    if (row && !event.target.matches(".pick")) open(row.dataset.id);
  });
  stream.addEventListener("keydown", (event) => {  // a focused row opens with Enter, like a link
    const row = event.target.closest("li.item");
    if (row && event.target === row && event.key === "Enter") { event.preventDefault(); open(row.dataset.id); }
  });
  stream.addEventListener("change", (event) => {
    if (event.target.matches(".pick")) document.body.classList.toggle("picking", picked().length > 0);
  });
  pane.addEventListener("click", async (event) => {
    const target = event.target;
    if (target.id === "back") back();
    else if (target.id === "send") sendReply();
    else if (target.id === "send-done") sendReply(true);
    else if (target.id === "suggestion") {
      const box = document.getElementById("reply");
      box.value = target.dataset.text;
      box.focus();
    }
    else if (target.dataset.status) await act("status", { status: target.dataset.status });
    else if (target.dataset.untag) await act("untag", { name: target.dataset.untag });
    else if (target.classList.contains("retry")) await api("POST", `/api/replies/${Number(target.dataset.reply)}/retry`, {});
    else if (target.id === "spam") await api("POST", `/api/items/${current.id}/spam`, { spam: !current.spam });
    else if (target.id === "hide") await api("POST", `/api/items/${current.id}/${current.hidden ? "unhide" : "hide"}`, { idempotency_key: crypto.randomUUID() });
    else if (target.id === "add-note") {
      const note = document.getElementById("new-note");
      if (note.value.trim()) { await api("POST", `/api/items/${current.id}/notes`, { body: note.value }); note.value = ""; refreshPane(); }
    }
  });
  pane.addEventListener("change", async (event) => {
    const target = event.target;
    if (target.id === "saved" && target.value) document.getElementById("reply").value = target.value;
    else if (target.name === "lang" || target.name === "sentiment") await api("POST", `/api/items/${current.id}/correction`, { [target.name]: target.value });
    else if (target.id === "assign") await act("assign", { user_id: target.value ? Number(target.value) : null });
    else if (target.id === "snooze" && target.value) await act("snooze", { until: target.value });
  });
  pane.addEventListener("keydown", async (event) => {
    if (event.target.id === "reply" && event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); sendReply(event.shiftKey); }
    if (event.target.id === "new-tag" && event.key === "Enter" && event.target.value.trim()) {
      await act("tag", { name: event.target.value.trim() });
      event.target.value = "";
    }
  });
  pane.addEventListener("input", (event) => {
    if (event.target.id === "reply" && current && Date.now() - lastTyping > 2000) {
      lastTyping = Date.now();
      send({ t: "typing", item: current.id });
    }
  });

  function picked() { return [...stream.querySelectorAll("li.item")].filter((r) => r.querySelector(".pick").checked).map((r) => Number(r.dataset.id)); }
  document.getElementById("pick-all").addEventListener("change", (event) => {
    stream.querySelectorAll(".pick").forEach((box) => { box.checked = event.target.checked; });
    document.body.classList.toggle("picking", event.target.checked);
  });
  document.getElementById("bulk").addEventListener("click", async (event) => {
    const what = event.target.dataset.bulk;
    if (!what) return;
    const ids = picked();
    if (!ids.length) return;
    if (what === "assign-me") await api("POST", "/api/bulk", { ids, action: "assign", user_id: state.user });
    else if (what === "spam" || what === "not-spam") await api("POST", "/api/bulk", { ids, action: "spam", spam: what === "spam" });
    else if (what === "tag") {
      const name = document.getElementById("bulk-tag").value.trim();
      if (name) await api("POST", "/api/bulk", { ids, action: "tag", name });
    }
    else await api("POST", "/api/bulk", { ids, action: "status", status: what });
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
  window.addEventListener("pagehide", leave);
  connect();
  if (state.selected) {  // a link to one item (/items/N): its own screen on a phone, the list one step back
    history.replaceState({ jasetteItem: Number(state.selected) }, "", location.href);
    open(state.selected, "none");
  }
  window.Jasette.notifyOffer(document.getElementById("notify-on"));
})();
