// The rep console: state, customer pop over the WebSocket, dispositions by keyboard,
// wrap-up timer, preview mode and my day. Everything goes through /api/v1/console/.
(function () {
  "use strict";
  const root = document.getElementById("rep-console");
  if (!root) return;
  const M = JSON.parse(document.getElementById("console-messages").textContent);
  const initial = JSON.parse(document.getElementById("console-initial").textContent);
  const csrf = root.dataset.csrf;
  const lang = root.dataset.lang;
  const $ = (id) => document.getElementById(id);
  const t = (key) => (key in M ? M[key] : key);

  let session = initial.session;
  let clockOffset = Date.parse(initial.now) - Date.now(); // server time minus ours
  let pop = null; // the call on screen
  let selected = null; // the chosen disposition code
  let disposed = session ? session.call_disposed : false;
  let idempotencyKey = null;

  function serverNow() { return Date.now() + clockOffset; }

  function newKey(callId) {
    const random = (window.crypto && crypto.randomUUID) ? crypto.randomUUID()
      : String(Math.random()).slice(2) + String(Date.now());
    return "call-" + callId + "-" + random;
  }

  async function api(method, path, body) {
    const response = await fetch("/api/v1/console" + path, {
      method: method,
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
    });
    let data = null;
    try { data = await response.json(); } catch (e) { data = null; }
    if (!response.ok) {
      const detail = data && (data.detail || data.title) || response.statusText;
      const error = new Error(detail);
      error.status = response.status;
      throw error;
    }
    return data;
  }

  function clock(seconds) {
    const s = Math.max(0, Math.floor(seconds));
    return Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
  }

  // -- logging in ------------------------------------------------------------------------
  const loginForm = $("login-form");
  if (loginForm) {
    loginForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      try {
        await api("POST", "/session", { campaign_id: Number($("campaign-select").value) });
        window.location.reload();
      } catch (error) { $("login-error").textContent = error.message; }
    });
    return;
  }

  // -- state -----------------------------------------------------------------------------
  function showState(s) {
    session = s;
    if (!s || s.state === "logged_out") { loggedOut(); window.location.reload(); return; }
    const state = $("state");
    state.dataset.state = s.state;
    state.textContent = t("console_state_" + s.state);
    $("pause-reason").textContent = s.pause_code ? t("console_pause_" + s.pause_code) : "";
    const wrapping = s.state === "wrap_up";
    $("wrap-up").hidden = !wrapping;
    if (s.state === "ready" || s.state === "paused") {
      // between calls: the last customer leaves the screen
      pop = null;
      $("pop").hidden = true;
      $("disposition-panel").hidden = true;
      $("waiting").hidden = false;
    }
  }

  async function changeState(body) {
    $("state-error").textContent = "";
    try {
      const view = await api("POST", "/state", body);
      clockOffset = Date.parse(view.now) - Date.now();
      showState(view.session);
    } catch (error) { $("state-error").textContent = error.message; }
  }

  $("go-ready").addEventListener("click", () => changeState({ state: "ready" }));
  $("back-to-ready").addEventListener("click", () => changeState({ state: "ready" }));
  $("go-pause").addEventListener("click", () =>
    changeState({ state: "paused", pause_code: $("pause-code").value }));
  function loggedOut() {
    // audio.js leaves the conference room (browser audio leg)
    document.dispatchEvent(new CustomEvent("console:logged-out"));
  }
  $("log-out").addEventListener("click", async () => {
    try {
      await api("POST", "/logout");
      loggedOut();
      window.location.reload();
    } catch (error) { $("state-error").textContent = error.message; }
  });

  let autoReadySent = false;
  function tick() {
    if (!session) return;
    const since = Date.parse(session.state_since);
    const elapsed = (serverNow() - since) / 1000;
    $("state-timer").textContent = clock(elapsed);
    if (session.state === "wrap_up") {
      const left = (session.wrap_up_max_seconds || 0) - elapsed;
      $("wrap-timer").textContent = clock(left);
      if (left <= 0 && disposed && !autoReadySent) {
        autoReadySent = true; // back to ready by itself once the outcome is in
        changeState({ state: "ready" }).finally(() => { autoReadySent = false; });
      }
    }
  }
  setInterval(tick, 250);

  // -- the customer pop ------------------------------------------------------------------
  function text(id, value) { $(id).textContent = value === null || value === undefined ? "—" : value; }

  // times on the pop are the customer's local times, like the callback field
  function local(instant, zone) {
    try {
      return new Date(instant).toLocaleString(lang === "zh" ? "zh-CN" : "en-GB",
        { timeZone: zone, dateStyle: "short", timeStyle: "short" });
    } catch (error) { return new Date(instant).toLocaleString(); }
  }

  function showPop(p) {
    pop = p;
    disposed = false;
    selected = null;
    idempotencyKey = newKey(p.call_attempt_id);
    const c = p.customer;
    text("customer-name", c.name);
    text("customer-segment", t("console_segment_" + c.segment));
    text("customer-tier", t("console_tier_" + c.tier));
    text("customer-branch", c.branch);
    text("customer-manager", c.account_manager);
    text("customer-assets", t("console_band_" + c.assets_band));
    text("customer-risk", c.risk_level);
    const offered = c.products.offered;
    const parts = [];
    if (offered) {
      parts.push(t("console_offered") + ": " + offered.name + " (" + offered.risk_level + ", " +
        (offered.suitable ? t("console_suitable") : t("console_not_suitable")) + ")");
    }
    if (c.products.holdings.length) parts.push(t("console_holdings") + ": " + c.products.holdings.join(", "));
    text("customer-products", parts.length ? parts.join(" · ") : t("console_none"));
    text("customer-phone", c.phone);
    text("customer-local-time", c.local_time + " (" + c.time_zone + ")");
    text("customer-reasons", p.score ? (p.score.reason_details || []).map((r) => r.text).join(" · ") : t("console_none"));
    text("script-opening", p.script.opening);
    text("script-body", p.script.body);
    const disclosures = $("disclosures");
    disclosures.replaceChildren();
    for (const d of p.script.disclosures) {
      const dt = document.createElement("dt");
      dt.textContent = t("console_disclosure_" + d.kind);
      const dd = document.createElement("dd");
      dd.textContent = d.text;
      dd.dataset.kind = d.kind;
      disclosures.append(dt, dd);
    }
    const body = $("history").querySelector("tbody");
    body.replaceChildren();
    const earlier = p.history.filter((h) => !h.current);
    if (!earlier.length) {
      const row = body.insertRow();
      const cell = row.insertCell();
      cell.colSpan = 6;
      cell.className = "muted";
      cell.textContent = t("console_history_empty");
    }
    for (const h of earlier) {
      const row = body.insertRow();
      const label = h.disposition ? (lang === "zh" ? h.disposition_label_zh : h.disposition_label_en) : h.status;
      for (const value of [local(h.created_at, c.time_zone), h.campaign_name, h.agent || "",
                           label, h.note || "", h.callback_due_at ? local(h.callback_due_at, c.time_zone) : ""]) {
        row.insertCell().textContent = value;
      }
    }
    const codes = $("dispositions");
    codes.replaceChildren();
    for (const code of p.dispositions) {
      if (code.code === "DISCONNECTED") continue; // recorded by the system only
      const button = document.createElement("button");
      button.type = "button";
      button.dataset.code = code.code;
      button.dataset.hotkey = code.hotkey || "";
      button.dataset.callback = code.callback;
      button.dataset.warm = code.warm_lead;
      const kbd = document.createElement("kbd");
      kbd.textContent = code.hotkey || "";
      button.append(kbd, document.createTextNode(lang === "zh" ? code.label_zh : code.label_en));
      button.addEventListener("click", () => choose(code.code));
      codes.append(button);
    }
    $("callback-zone").textContent = "(" + c.time_zone + ")";
    $("note").value = "";
    $("interest").value = "";
    $("callback-local").value = "";
    $("callback-field").hidden = true;
    $("interest-field").hidden = true;
    $("disposition-result").textContent = "";
    $("disposition-error").textContent = "";
    $("waiting").hidden = true;
    $("pop").hidden = false;
    $("disposition-panel").hidden = false;
    $("pop").dataset.callAttemptId = String(p.call_attempt_id);
    // when the customer was shown (this machine's clock, ms): tests time the pop by it
    $("pop").dataset.poppedAtMs = String(Date.now());
  }

  function choose(code) {
    selected = code;
    let needs = null;
    for (const button of $("dispositions").querySelectorAll("button")) {
      const on = button.dataset.code === code;
      button.classList.toggle("selected", on);
      if (on) needs = button.dataset;
    }
    $("callback-field").hidden = !(needs && needs.callback === "true");
    $("interest-field").hidden = !(needs && needs.warm === "true");
    if (needs && needs.callback === "true") $("callback-local").focus();
    else if (needs && needs.warm === "true") $("interest").focus();
  }

  async function save() {
    if (!pop || !selected || disposed) return;
    $("disposition-error").textContent = "";
    const body = {
      call_attempt_id: pop.call_attempt_id,
      code: selected,
      idempotency_key: idempotencyKey,
      note: $("note").value,
    };
    if (!$("callback-field").hidden && $("callback-local").value) body.callback_local = $("callback-local").value;
    if (!$("interest-field").hidden) body.interest = $("interest").value;
    try {
      const result = await api("POST", "/dispositions", body);
      disposed = true;
      const code = pop.dispositions.find((d) => d.code === result.code);
      const label = code ? (lang === "zh" ? code.label_zh : code.label_en) : result.code;
      $("disposition-result").textContent = t("console_saved") + ": " + label +
        (result.callback_due_local ? " · " + result.callback_due_local + " (" + result.customer_time_zone + ")" : "");
      $("disposition-result").dataset.dispositionId = String(result.disposition_id);
      refreshDay();
    } catch (error) {
      $("disposition-error").textContent = t("console_refused") + ": " + error.message;
    }
  }
  $("save-disposition").addEventListener("click", save);

  document.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      save();
      return;
    }
    const typing = ["INPUT", "TEXTAREA", "SELECT"].includes(document.activeElement.tagName);
    if (typing || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "Enter" && pop && selected && !disposed) { event.preventDefault(); save(); return; }
    if ((event.key === "r" || event.key === "R") && session && session.state === "wrap_up" && disposed) {
      event.preventDefault(); // the outcome is in: R takes the next call
      changeState({ state: "ready" });
      return;
    }
    if (!pop || disposed) return;
    const button = $("dispositions").querySelector('button[data-hotkey="' + CSS.escape(event.key) + '"]');
    if (button) { event.preventDefault(); choose(button.dataset.code); }
  });

  // -- my day ----------------------------------------------------------------------------
  async function refreshDay() {
    try {
      const d = await api("GET", "/my-day");
      text("day-calls", d.calls);
      text("day-contacts", d.contacts);
      text("day-talk", clock(d.talk_seconds));
      text("day-cph", d.calls_per_hour);
      text("day-avg-talk", clock(d.average_talk_seconds));
      text("day-warm", d.warm_leads);
      text("day-callbacks", d.callbacks_due);
    } catch (error) { /* figures refresh on the next change */ }
  }

  // -- preview mode ----------------------------------------------------------------------
  let previewId = null;
  function showRefused(reason, reasonZh) {
    // the engine did not place the dial: say why; the next account is shown to go on with
    $("preview-result").textContent = t("console_dial_refused") + ": " +
      (lang === "zh" && reasonZh ? reasonZh : reason);
    $("preview-result").dataset.refused = "true";
  }
  async function loadPreview() {
    if (!$("preview")) return;
    try {
      const a = await api("GET", "/preview");
      previewId = a.account_id;
      $("preview-account").textContent = a.name + " · " + t("console_segment_" + a.segment) + " · " +
        t("console_tier_" + a.tier) + " · " + (a.phone || "");
    } catch (error) {
      previewId = null;
      $("preview-account").textContent = error.status === 404 ? t("console_preview_none") : error.message;
    }
  }
  if ($("preview")) {
    $("preview-dial").addEventListener("click", async () => {
      if (previewId === null) return;
      try {
        const decision = await api("POST", "/preview/" + previewId + "/dial");
        if (decision.refused) {
          showRefused(decision.refused, decision.refused_zh);
          loadPreview();
          return;
        }
        $("preview-result").textContent = t("console_dial_requested");
        $("preview-result").dataset.refused = "false";
      } catch (error) { $("preview-result").textContent = error.message; }
    });
    $("preview-skip").addEventListener("click", async () => {
      if (previewId === null) return;
      try { await api("POST", "/preview/" + previewId + "/skip"); } catch (error) { /* next */ }
      loadPreview();
    });
    loadPreview();
  }

  // -- live events -----------------------------------------------------------------------
  let retry = 500;
  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    const ws = new WebSocket(scheme + location.host + "/console/ws");
    ws.onopen = () => { retry = 500; $("connection").hidden = true; };
    ws.onmessage = (message) => {
      const event = JSON.parse(message.data);
      if (event.kind === "call_connected") {
        showPop(event.pop);
        refreshDay();
      } else if (event.kind === "hello") {
        clockOffset = Date.parse(event.session.now) - Date.now();
        showState(event.session.session);
        document.body.dataset.live = "true";
      } else if (event.kind === "preview_refused") {
        if ($("preview")) { showRefused(event.reason, event.reason_zh); loadPreview(); }
      } else if (event.kind === "state_changed") {
        showState(Object.assign({}, session, {
          state: event.state,
          pause_code: event.pause_code,
          state_since: event.state_since,
          call_attempt_id: event.call_attempt_id,
        }));
        if (event.state === "ready" || event.state === "paused") { refreshDay(); loadPreview(); }
      }
    };
    ws.onclose = () => {
      document.body.dataset.live = "false";
      $("connection").hidden = false;
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 10000);
    };
  }
  window.repConsole = { ready: () => document.body.dataset.consoleReady === "true" };
  showState(session);
  connect();
  document.body.dataset.consoleReady = "true";
})();
