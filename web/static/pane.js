// The item pane: one comment drawn in full (thread, history, workflow, tags, notes), its replies
// and their states, the reply being written (kept, with its idempotency key, across redraws),
// and the pane's own buttons and fields. inbox.js makes one with
//   Jasette.Pane({ presence, send, act, back, neighbour, moveOnFrom })
//     -> { current, load, showReply, itemChanged, clear }
// presence: Jasette.Presence (who else is here); send(message): over the page's websocket;
// act, back, neighbour, moveOnFrom: the page's navigation (inbox.js), so that an action on the
// item and "Send and mark done" move on exactly as the keyboard does.
// Everything from a platform goes into the DOM with textContent (Jasette.el), never innerHTML.
"use strict";
(function () {
  const { t, api, el, safeUrl } = window.Jasette;
  const { priorityLabel, avatar, stars } = window.Jasette.rows;

  function Pane({ presence, send, act, back, neighbour, moveOnFrom }) {
    const pane = document.getElementById("pane");
    let current = null;                // the item shown in the pane (detail JSON)
    let draftKey = null;               // idempotency key of the reply being written
    let lastTyping = 0;

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
          el("small", { text: t("Your post") }), el("p", { class: "body", text: d.post.body }), link(d.post.url, t("Open on the platform"))) : null,
        d.parent ? el("blockquote", { class: "parent" }, el("small", { text: d.parent.from_business && d.parent.kind === "post" ? t("Your post") : t("In reply to") }),
          el("p", { class: "body", text: d.parent.body }),
          // The business's post (a video's title and description) links to where it is seen whole.
          d.parent.from_business && d.parent.kind === "post" ? link(d.parent.url, t("Open on the platform")) : null) : null,
        el("p", { class: "body", id: "item-body", text: d.body }),
        el("ul", { class: "reasons", "aria-label": t("Why this priority") }, ...d.reasons.map((r) => el("li", { dataset: { code: r.code }, text: r.text }))),
        el("p", { class: "detected" },
          el("label", {}, t("Language"), " ", select("lang", [["fr", "Français"], ["en", "English"], ...(["fr", "en"].includes(d.lang) ? [] : [[d.lang, d.lang]])], d.lang)), " ",
          el("label", {}, t("Sentiment"), " ", select("sentiment", ["negative", "neutral", "positive"].map((s) => [s, t(s)]), d.sentiment)), " ",
          d.corrected ? el("em", { id: "corrected", text: t("Corrected (detected: {lang}, {sentiment})", { lang: d.lang_auto, sentiment: t(d.sentiment_auto) }) }) : null),
        d.first_response_seconds !== null
          ? el("p", { class: "hint", id: "first-response", text: t("First answered after {minutes} min", { minutes: Math.round(d.first_response_seconds / 60) }) })
          : null,
        d.snoozed_local ? el("p", { class: "snoozed-note", id: "snoozed" },
          el("span", { text: t("Snoozed until {when}", { when: d.snoozed_local }) }), " ",
          el("button", { type: "button", id: "unsnooze", text: t("Cancel snooze") })) : null,
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

    // Loads an item into the pane; true once it is the one shown (false: a later load won).
    async function load(id) {
      const seq = ++paneSeq;
      opening = id;
      const detail = await api("GET", `/api/items/${id}`);
      await renderPane(detail, seq, null);
      if (seq !== paneSeq) return false;
      opening = null;
      return true;
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

    // A live change to a listed item (static/stream.js): the open one is drawn again.
    function itemChanged(item) {
      if (current && current.id === item.id) {
        const badge = document.getElementById("status");
        if (badge) badge.textContent = t(item.status);  // even while someone types in the pane
        refreshPane();
      }
    }

    // Nothing open any more (a finished item and no next one): a load under way is dropped too.
    function clear() {
      current = null;
      paneSeq++;
      pane.replaceChildren(el("p", { class: "hint pane-hint", text: t("Choose a comment on the left, or press j.") }));
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

    // The pane's own controls; an action on the item goes through act() like its shortcut.
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
      else if (target.id === "unsnooze") await act("unsnooze", {});
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
      else if (target.id === "snooze" && target.value) {
        await act("snooze", { until: target.value });
        // The pane keeps a field with a value while someone works in it: this one is done, show the snooze.
        target.value = "";
        target.blur();
        refreshPane();
      }
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

    return { current: () => current, load, showReply, itemChanged, clear };
  }

  window.Jasette.Pane = Pane;
})();
