// The inbox's selection and bulk actions: how many are ticked, a confirmation with the count before
// an action that takes comments out of the list, and « Annuler » for a few seconds afterwards.
// stream.js reads the selection through window.Jasette.bulk (picked, showPicked).
"use strict";
(function () {
  const { t, api } = window.Jasette;
  const stream = () => document.getElementById("stream");
  const state = () => JSON.parse(document.getElementById("inbox-state").textContent);

  function picked() { return [...stream().querySelectorAll("li.item")].filter((r) => r.querySelector(".pick").checked).map((r) => Number(r.dataset.id)); }
  function showPicked() {
    const n = picked().length;
    document.body.classList.toggle("picking", n > 0);
    document.getElementById("bulk-count").textContent = n === 0 ? "" : n === 1 ? t("1 selected") : t("{n} selected", { n });
    if (n === 0) document.getElementById("pick-all").checked = false;
  }
  document.getElementById("pick-all").addEventListener("change", (event) => {
    stream().querySelectorAll(".pick").forEach((box) => { box.checked = event.target.checked; });
    showPicked();
  });

  // What a bulk button asks the server; the ones that take comments out of the list ask first, with the count.
  function bulkRequest(what, ids) {
    if (what === "assign-me") return { ids, action: "assign", user_id: state().user };
    if (what === "spam" || what === "not-spam") return { ids, action: "spam", spam: what === "spam" };
    if (what === "tag") {
      const name = document.getElementById("bulk-tag").value.trim();
      return name ? { ids, action: "tag", name } : null;
    }
    return { ids, action: "status", status: what };
  }
  const CONFIRM = {
    done: (n) => n === 1 ? t("Mark 1 comment as done?") : t("Mark {n} comments as done?", { n }),
    spam: (n) => n === 1 ? t("Mark 1 comment as spam? Its author's next comments will go to Spam too.")
                         : t("Mark {n} comments as spam? Their authors' next comments will go to Spam too.", { n }),
  };

  // After a bulk action, « Annuler » for a few seconds: the server kept each comment's previous
  // state (the browser sends only the token) and skips comments someone changed in between.
  const UNDO_MS = 8000;
  const toast = document.getElementById("undo-toast");
  const undoButton = document.getElementById("undo");
  let undoTimer = null;
  function showToast(text, token, ms) {
    clearTimeout(undoTimer);
    document.getElementById("undo-text").textContent = text;
    undoButton.dataset.token = token || "";
    undoButton.hidden = !token;
    toast.hidden = false;
    undoTimer = setTimeout(() => { toast.hidden = true; undoButton.dataset.token = ""; }, ms);
  }
  undoButton.addEventListener("click", async () => {
    const token = undoButton.dataset.token;
    if (!token) return;
    undoButton.dataset.token = "";
    try {
      const result = await api("POST", "/api/bulk/undo", { token });
      showToast(result.message, null, 6000);
    } catch (e) {
      showToast(e.message, null, 8000);
    }
  });

  document.getElementById("bulk").addEventListener("click", async (event) => {
    const what = event.target.dataset.bulk;
    if (!what) return;
    const ids = picked();
    const body = ids.length ? bulkRequest(what, ids) : null;
    if (!body) return;
    if (CONFIRM[what] && !window.confirm(CONFIRM[what](ids.length))) return;
    // The ticks stay for a next action on the same comments (tag, then done); rows that leave the view leave the count.
    const result = await api("POST", "/api/bulk", body);
    const n = result.changed.length;
    if (n) showToast(n === 1 ? t("1 comment changed.") : t("{n} comments changed.", { n }), result.undo, UNDO_MS);
  });

  document.addEventListener("change", (event) => {
    if (event.target.matches("#stream .pick")) showPicked();
  });

  window.Jasette.bulk = { picked, showPicked };
})();
