// The team's wallboard: rendered from the board the page carries, then replaced by each
// board the server pushes over /teamlead/ws; time in state ticks every second.
(function () {
  "use strict";
  const root = document.getElementById("wallboard");
  if (!root) return;
  const messages = JSON.parse(document.getElementById("wallboard-messages").textContent);
  const t = (key) => messages[key] || key;
  const team = root.dataset.team;
  const csrf = root.dataset.csrf;
  const rows = document.getElementById("board-rows");
  const live = document.getElementById("live-status");
  const FIGURES = ["calls_per_hour", "average_talk_seconds", "utilisation", "contacts", "warm_leads"];
  let board = JSON.parse(document.getElementById("wallboard-initial").textContent);
  let skew = 0; // local clock minus the server's, from the board's stamp

  function clock(seconds) {
    const s = Math.max(0, Math.floor(seconds));
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    const two = (n) => String(n).padStart(2, "0");
    return (h ? h + ":" : "") + two(m) + ":" + two(r);
  }
  function shown(figure, value) {
    if (value === null || value === undefined) return "—";
    if (figure === "utilisation") return (value * 100).toFixed(1) + "%";
    if (figure === "calls_per_hour") return Number(value).toFixed(1);
    return String(value);
  }
  function cell(text, className) {
    const td = document.createElement("td");
    td.textContent = text;
    if (className) td.className = className;
    return td;
  }
  function serverNow() { return Date.now() - skew; }
  function secondsIn(rep) {
    return rep.state_since ? (serverNow() - Date.parse(rep.state_since)) / 1000 : 0;
  }
  function overLimit(rep) {
    return (rep.state === "paused" || rep.state === "wrap_up") && rep.limit_seconds !== null &&
      secondsIn(rep) > rep.limit_seconds;
  }
  function monitorButtons(rep) {
    const td = document.createElement("td");
    const sheet = document.createElement("a");
    sheet.href = "/teamlead/reps/" + rep.user_id + "/sheet";
    sheet.textContent = t("teamlead_open_sheet");
    sheet.className = "open-sheet";
    td.appendChild(sheet);
    if (rep.state === "on_call") {
      const listen = document.createElement("button");
      listen.type = "button";
      listen.className = "small listen";
      listen.dataset.rep = rep.user_id;
      listen.textContent = t("teamlead_listen");
      td.appendChild(document.createTextNode(" "));
      td.appendChild(listen);
    }
    return td;
  }
  function render() {
    if (!board || !board.reps) return;
    document.getElementById("team-name").textContent = board.team;
    const s = board.summary;
    document.getElementById("sum-reps").textContent = s.reps;
    document.getElementById("sum-logged-in").textContent = s.logged_in;
    document.getElementById("sum-calls-now").textContent = s.calls_now;
    for (const f of FIGURES) {
      const value = document.getElementById("sum-" + f);
      value.textContent = shown(f, s.figures[f]);
      value.className = "value mark-" + s.marks[f];
      document.getElementById("target-" + f).textContent = shown(f, s.targets[f]);
    }
    rows.replaceChildren();
    for (const rep of board.reps) {
      const tr = document.createElement("tr");
      tr.dataset.userId = rep.user_id;
      tr.className = "state-" + rep.state;
      tr.appendChild(cell(rep.name, "name"));
      tr.appendChild(cell(rep.sub_team || "", "sub-team"));
      const state = t("state_" + rep.state) + (rep.pause_code ? " · " + rep.pause_code : "");
      tr.appendChild(cell(state, "state"));
      tr.appendChild(cell(rep.state === "logged_out" ? "" : clock(secondsIn(rep)), "since"));
      tr.appendChild(cell("", "call"));
      for (const f of FIGURES) {
        tr.appendChild(cell(shown(f, rep.figures[f]), "num mark-" + rep.marks[f]));
      }
      tr.appendChild(monitorButtons(rep));
      rows.appendChild(tr);
    }
    document.getElementById("no-reps").hidden = board.reps.length > 0;
    tick();
  }
  function tick() {
    if (!board || !board.reps) return;
    let over = 0;
    board.reps.forEach((rep, index) => {
      const tr = rows.children[index];
      if (!tr) return;
      if (rep.state !== "logged_out") tr.querySelector("td.since").textContent = clock(secondsIn(rep));
      if (rep.call_since) {
        const talked = (serverNow() - Date.parse(rep.call_since)) / 1000;
        tr.querySelector("td.call").textContent = (rep.campaign || "") + " · " + clock(talked);
      }
      const isOver = overLimit(rep);
      tr.classList.toggle("over-limit", isOver);
      if (isOver) over += 1;
    });
    document.getElementById("sum-over-limit").textContent = over;
  }
  function accept(next) {
    board = next;
    skew = Date.now() - Date.parse(next.at);
    render();
  }

  let retry = 1000;
  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    const ws = new WebSocket(scheme + location.host + "/teamlead/ws?team=" + encodeURIComponent(team));
    ws.onopen = () => { live.dataset.state = "live"; live.textContent = t("teamlead_live"); retry = 1000; };
    ws.onmessage = (event) => {
      const message = JSON.parse(event.data);
      if (message.kind === "wallboard") accept(message);
    };
    ws.onclose = () => {
      live.dataset.state = "offline";
      live.textContent = t("teamlead_offline");
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 15000);
    };
  }

  // monitoring: listen from the board, then whisper, barge or stop
  const status = document.getElementById("monitor-status");
  const error = document.getElementById("monitor-error");
  let monitoring = null;
  async function call(method, path, body) {
    const response = await fetch(path, {
      method, credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: body ? JSON.stringify(body) : undefined,
    });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(data.detail || data.title || response.statusText);
    return data;
  }
  function showMonitoring() {
    status.hidden = !monitoring;
    if (monitoring) {
      document.getElementById("monitor-who").textContent =
        monitoring.rep_name + " · " + t("teamlead_" + monitoring.mode);
      status.dataset.mode = monitoring.mode;
    }
  }
  rows.addEventListener("click", async (event) => {
    const button = event.target.closest("button.listen");
    if (!button) return;
    error.textContent = "";
    try {
      monitoring = await call("POST", "/api/v1/teamlead/monitoring",
        { rep_user_id: Number(button.dataset.rep), mode: "listen" });
      showMonitoring();
    } catch (e) { error.textContent = e.message; }
  });
  for (const mode of ["whisper", "barge"]) {
    document.getElementById("monitor-" + mode).addEventListener("click", async () => {
      if (!monitoring) return;
      try {
        monitoring = await call("PATCH", "/api/v1/teamlead/monitoring/" + monitoring.monitoring_id, { mode });
        showMonitoring();
      } catch (e) { error.textContent = e.message; }
    });
  }
  document.getElementById("monitor-stop").addEventListener("click", async () => {
    if (!monitoring) return;
    try {
      await call("DELETE", "/api/v1/teamlead/monitoring/" + monitoring.monitoring_id);
      monitoring = null;
      showMonitoring();
    } catch (e) { error.textContent = e.message; }
  });

  if (board && board.at) accept(board);
  setInterval(tick, 1000);
  connect();
})();
