// The inbox's list as items change live: each one placed at its rank (priority, then newest),
// new ones held under the "N new messages — show" bar while someone reads, announced to screen
// readers, and an urgent one notified. inbox.js makes one with
//   Jasette.Stream({ state, presence, narrow, changed }) -> { upsert }
// state: the page's #inbox-state (filters, complex); presence: Jasette.Presence (marks the rows);
// narrow: the one-column media query (the page scrolls, not the list); changed(item): a row
// already listed was updated (the pane redraws it if it is the one open).
"use strict";
(function () {
  const { t } = window.Jasette;
  const { LEVEL_WORDS, rowFor } = window.Jasette.rows;

  function Stream({ state, presence, narrow, changed }) {
    const { picked, showPicked } = window.Jasette.bulk;  // the ticked rows (static/bulk.js)
    const stream = document.getElementById("stream");

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
    const seen = new Set(shownAtLoad);  // every item this page has listed, to announce only new ones
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
      seen.add(Number(item.id));
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
      const old = stream.querySelector(`li.item[data-id="${Number(item.id)}"]`);
      const fresh = !old && !shownAtLoad.has(Number(item.id));
      // Search, tag, assignee and date filters are the server's to judge: a new item joins
      // such a view on the next load; rows already shown update in place.
      const fits = matches(item) && (old || !state.complex);
      if (fresh && item.status === "new") maybeNotify(item);  // urgent: announced at once, even while held
      if (!old) {
        const wasHeld = held.delete(Number(item.id));
        if (fits && !wasHeld && !seen.has(Number(item.id))) arrived(item);  // not one coming back (an undo, a reopen)
        if (fits && reading()) held.set(Number(item.id), item);
        else if (fits) place(item, null);
        showBar();
        return;
      }
      keepInPlace(() => {
        if (fits) place(item, old); else old.remove();
      });
      showPicked();  // a ticked row that left the view is no longer counted
      changed(item);
    }

    // Reaching the top with nothing selected shows what was held (nothing there can jump).
    function maybeRelease() { if (held.size && !reading()) showHeld(); }
    stream.addEventListener("scroll", maybeRelease, { passive: true });
    window.addEventListener("scroll", maybeRelease, { passive: true });

    return { upsert };
  }

  window.Jasette.Stream = Stream;
})();
