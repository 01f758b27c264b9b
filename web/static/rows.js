// How an item looks in the inbox: its row in the stream (the same structure as
// templates/_item_row.html, for items that arrive live) and the badges the item pane shares
// (priority, avatar, stars). Drawing only: no state, no requests.
// Everything from a platform goes into the DOM with textContent (Jasette.el), never innerHTML.
"use strict";
(function () {
  const { t, el } = window.Jasette;
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

  // A review's rating: five stars drawn, read out as "4 out of 5 stars" (null without one).
  function stars(n) {
    return n ? el("span", { class: "stars", role: "img", "aria-label": t("Rated {n} out of 5", { n }),
      text: "★".repeat(n) + "☆".repeat(5 - n) }) : null;
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
      item.snoozed_local ? el("span", { class: "badge snoozed", text: t("Snoozed until {when}", { when: item.snoozed_local }) }) : null,
      item.assignee ? el("span", { class: "badge assignee", text: "→ " + item.assignee.name }) : null,
      ...item.tags.map((tag) => el("span", { class: "badge tag", text: "#" + tag })));
    const reasons = el("ul", { class: "reasons" }, ...item.reasons.map((r) => el("li", { dataset: { code: r.code }, text: r.text })));
    return el("li", {
      class: `item sent-${item.sentiment} status-${item.status} level-${item.level}`, tabindex: "0",
      dataset: { id: item.id, priority: item.priority, created: item.created_at, updated: item.updated_at },
    }, el("input", { type: "checkbox", class: "pick", "aria-label": t("Select") }), avatar(item),
      el("div", { class: "row-main" }, meta, el("p", { class: "body", text: item.body }), chips, reasons));
  }

  window.Jasette.rows = { LEVEL_WORDS, priorityLabel, avatar, stars, rowFor };
})();
