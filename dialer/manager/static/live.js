// The campaign's live view: the floor pushed over the WebSocket (no polling), the
// engine's pacing decisions as they are made, and the answer rate by hour charted.
"use strict";
(function () {
  const { t, api } = window.Manager;
  const section = document.getElementById("live");
  const id = section.dataset.campaign;
  const chart = window.echarts ? window.echarts.init(document.getElementById("hour-chart")) : null;
  let socket = null;
  let retry = 500;

  function text(elementId, value) {
    document.getElementById(elementId).textContent = value;
  }
  function percent(x) {
    return (x * 100).toFixed(2) + "%";
  }
  function duration(seconds) {
    const m = Math.floor(seconds / 60);
    const s = seconds % 60;
    return m + ":" + String(s).padStart(2, "0");
  }
  function cell(row, value, className) {
    const td = document.createElement("td");
    td.textContent = value;
    if (className) td.className = className;
    row.appendChild(td);
    return td;
  }

  function showFloor(floor) {
    const calls = floor.calls;
    text("in-flight", calls.in_flight);
    text("dials", calls.dials);
    text("answers", calls.person_answers);
    text("abandons", calls.abandons);
    text("abandon-rate", percent(floor.abandon.rate));
    const figure = document.getElementById("abandon-figure");
    figure.classList.toggle("over", floor.abandon.rate > floor.abandon.target);
    figure.dataset.over = floor.abandon.rate > floor.abandon.cap ? "cap" : floor.abandon.rate > floor.abandon.target ? "target" : "no";
    text("updated", new Date(floor.at).toLocaleTimeString(undefined, { timeZone: floor.time_zone }) + " " + floor.time_zone);
    const status = floor.status;
    section.dataset.status = status;
    text("campaign-status", t("mgr_status_" + status));
    document.getElementById("start").hidden = status === "running" || status === "finished";
    document.getElementById("pause").hidden = status !== "running";

    const body = document.querySelector("#reps tbody");
    body.textContent = "";
    for (const rep of floor.reps) {
      const row = document.createElement("tr");
      row.dataset.user = rep.user_id;
      row.dataset.state = rep.state;
      cell(row, rep.display_name);
      cell(row, t("console_state_" + rep.state), "state-" + rep.state);
      cell(row, duration(rep.seconds_in_state));
      cell(row, rep.calls_today);
      body.appendChild(row);
    }
    document.getElementById("no-reps").hidden = floor.reps.length > 0;
    text(
      "rep-count",
      Object.entries(floor.reps_by_state)
        .map(([state, n]) => t("console_state_" + state) + " " + n)
        .join(" · ")
    );

    const penetration = document.querySelector("#penetration tbody");
    penetration.textContent = "";
    for (const p of floor.penetration) {
      const row = document.createElement("tr");
      cell(row, p.list_name || "—");
      cell(row, p.segment);
      for (const key of ["untouched", "in_retry", "in_progress", "done", "blocked"]) cell(row, p[key], key);
      penetration.appendChild(row);
    }
    const blocked = document.querySelector("#blocked-by tbody");
    blocked.textContent = "";
    for (const b of floor.blocked_by) {
      const row = document.createElement("tr");
      cell(row, b.rules, "rule");
      cell(row, b.numbers);
      blocked.appendChild(row);
    }

    if (chart) {
      const hours = floor.by_hour.map((h) => h.hour + ":00");
      chart.setOption({
        tooltip: { trigger: "axis" },
        legend: { data: [t("mgr_dials"), t("mgr_answer_rate_by_hour")] },
        xAxis: { type: "category", data: hours },
        yAxis: [
          { type: "value", name: t("mgr_dials") },
          { type: "value", name: "%", max: 100 },
        ],
        series: [
          { name: t("mgr_dials"), type: "bar", data: floor.by_hour.map((h) => h.dials) },
          {
            name: t("mgr_answer_rate_by_hour"),
            type: "line",
            yAxisIndex: 1,
            data: floor.by_hour.map((h) => (h.dials ? Math.round((1000 * h.persons) / h.dials) / 10 : 0)),
          },
        ],
      });
    }
  }

  function showEvent(event) {
    if (event.kind !== "pacing") return;
    text("last-decision", event.launch + " · " + event.reason);
    text("predicted-free", event.predicted_free_reps);
  }

  function connect() {
    const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    socket = new WebSocket(`${scheme}//${window.location.host}/manager/campaigns/${id}/ws`);
    socket.addEventListener("open", () => {
      retry = 500;
      document.getElementById("connection").hidden = true;
    });
    socket.addEventListener("message", (message) => {
      const data = JSON.parse(message.data);
      if (data.kind === "floor") showFloor(data.floor);
      else if (data.kind === "event") showEvent(data.event);
    });
    socket.addEventListener("close", () => {
      document.getElementById("connection").hidden = false;
      window.setTimeout(connect, retry);
      retry = Math.min(retry * 2, 10000);
    });
  }

  async function act(action) {
    const error = document.getElementById("action-error");
    error.textContent = "";
    try {
      await api("POST", `/api/v1/campaigns/${id}/${action}`);
      section.dataset.status = action === "start" ? "running" : "paused";
      text("campaign-status", t("mgr_status_" + section.dataset.status));
      document.getElementById("start").hidden = action === "start";
      document.getElementById("pause").hidden = action !== "start";
    } catch (e) {
      error.textContent = (action === "start" ? t("mgr_cannot_start") : t("mgr_refused")) + " " + e.message;
    }
  }

  for (const button of section.querySelectorAll("button[data-action]")) {
    button.addEventListener("click", () => act(button.dataset.action));
  }
  document.addEventListener("keydown", (event) => {
    if (event.target.matches("input, textarea, select") || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "s" && !document.getElementById("start").hidden) act("start");
    else if (event.key === "p" && !document.getElementById("pause").hidden) act("pause");
    else if (event.key === "e") window.location.href = document.getElementById("edit").href;
  });
  window.addEventListener("resize", () => chart && chart.resize());
  connect();
})();
