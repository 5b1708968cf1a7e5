// The browser audio leg (users.audio_leg = 'browser'): the Twilio Voice SDK joins the rep's
// conference room while the rep is logged in. The page is only given this script when the
// service can mint a token. The room is decided by the server from the token's identity
// (client:rep-<id>); the `room` parameter sent here is informational, never trusted.
(function () {
  "use strict";
  const root = document.getElementById("rep-console");
  const stateEl = document.getElementById("audio-state");
  if (!root || !stateEl) return;
  const M = JSON.parse(document.getElementById("console-messages").textContent);
  const t = (key) => (key in M ? M[key] : key);
  const detailEl = document.getElementById("audio-detail");
  const csrf = root.dataset.csrf;

  let device = null;
  let call = null; // the leg in the room, while there is one
  let room = null;
  let leaving = false;
  let retry = 1000;
  let rejoinTimer = null;

  function show(state, detail) {
    stateEl.dataset.state = state;
    stateEl.textContent = t("console_audio_" + state);
    if (detailEl) detailEl.textContent = detail || "";
  }

  async function audioLeg() {
    const response = await fetch("/api/v1/console/audio", {
      headers: { "X-CSRF-Token": csrf },
      credentials: "same-origin",
    });
    const data = await response.json();
    if (!response.ok) throw new Error(data && (data.detail || data.title) || response.statusText);
    return data;
  }

  function rejoinLater() {
    if (leaving || rejoinTimer !== null) return;
    rejoinTimer = setTimeout(() => { rejoinTimer = null; join(); }, retry);
    retry = Math.min(retry * 2, 30000);
  }

  async function join() {
    if (leaving || call || !device) return;
    show("connecting");
    let placed;
    try {
      placed = await device.connect({ params: { room: room } });
    } catch (error) {
      show("failed", error && error.message);
      rejoinLater();
      return;
    }
    if (leaving) { placed.disconnect(); return; }
    call = placed;
    const dropped = () => {
      if (call !== placed) return; // an old leg, already replaced or left
      call = null;
      if (leaving) { show("idle"); return; }
      show("connecting"); // the leg dropped while logged in: back into the room
      rejoinLater();
    };
    placed.on("accept", () => { retry = 1000; show("connected"); });
    placed.on("reconnecting", () => show("connecting"));
    placed.on("reconnected", () => show("connected"));
    placed.on("error", (error) => show("failed", error && error.message));
    placed.on("disconnect", dropped);
    placed.on("cancel", dropped);
    placed.on("reject", dropped);
  }

  async function refreshToken() {
    try {
      const leg = await audioLeg();
      if (leg.token && device) device.updateToken(leg.token);
    } catch (error) {
      setTimeout(refreshToken, 5000); // the SDK warns ahead of expiry: time to try again
    }
  }

  function leave() {
    leaving = true;
    if (rejoinTimer !== null) { clearTimeout(rejoinTimer); rejoinTimer = null; }
    const open = call;
    call = null;
    if (open) open.disconnect();
    if (device) { device.disconnectAll(); device.destroy(); device = null; }
    show("idle");
  }

  async function start() {
    if (!window.Twilio || !window.Twilio.Device) { show("failed", t("console_audio_sdk_missing")); return; }
    let leg;
    try { leg = await audioLeg(); } catch (error) { show("failed", error.message); return; }
    if (!leg.token) { show("unavailable", leg.detail); return; }
    room = leg.room;
    device = new window.Twilio.Device(leg.token);
    device.on("tokenWillExpire", refreshToken);
    device.on("error", (error) => show("failed", error && error.message));
    join();
  }

  // rep.js announces the log-out (the button, or the session ending elsewhere)
  document.addEventListener("console:logged-out", leave);
  window.repAudio = { state: () => stateEl.dataset.state };
  start();
})();
