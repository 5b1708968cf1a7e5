// The campaign list: start, pause, finish and clone through the API, by mouse or keyboard
// (n new, arrows to choose a row, Enter live view, e edit, s start, p pause).
"use strict";
(function () {
  const { t, api } = window.Manager;
  const error = document.getElementById("action-error");
  const table = document.getElementById("campaigns");

  async function act(row, action) {
    const id = row.dataset.campaign;
    if (action === "finish" && !window.confirm(t("mgr_confirm_finish"))) return;
    error.textContent = "";
    try {
      const result = await api("POST", `/api/v1/campaigns/${id}/${action}`);
      if (action === "clone") {
        window.location.href = `/manager/campaigns/${result.campaign_id}/edit`;
        return;
      }
      window.location.reload();
    } catch (e) {
      error.textContent = (action === "start" ? t("mgr_cannot_start") : t("mgr_refused")) + " " + e.message;
      row.focus();
    }
  }

  if (table) {
    table.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-action]");
      if (button) act(button.closest("tr"), button.dataset.action);
    });
  }

  document.addEventListener("keydown", (event) => {
    if (event.target.matches("input, textarea, select") || event.ctrlKey || event.metaKey || event.altKey) return;
    const rows = table ? Array.from(table.querySelectorAll("tbody tr")) : [];
    const current = document.activeElement && document.activeElement.closest("tbody tr");
    const index = rows.indexOf(current);
    if (event.key === "n") {
      window.location.href = "/manager/campaigns/new";
    } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!rows.length) return;
      const next = event.key === "ArrowDown" ? Math.min(index + 1, rows.length - 1) : Math.max(index - 1, 0);
      rows[next].focus();
      event.preventDefault();
    } else if (current && event.key === "Enter" && event.target === current) {
      window.location.href = `/manager/campaigns/${current.dataset.campaign}`;
    } else if (current && event.key === "e") {
      const edit = current.querySelector("a.edit");
      if (edit) window.location.href = edit.href;
    } else if (current && (event.key === "s" || event.key === "p")) {
      const action = event.key === "s" ? "start" : "pause";
      if (current.querySelector(`button[data-action=${action}]`)) act(current, action);
    }
  });
})();
