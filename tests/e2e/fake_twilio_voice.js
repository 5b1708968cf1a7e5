// A stand-in for @twilio/voice-sdk's dist/twilio.min.js in browser tests: the same
// Twilio.Device surface console/audio.js uses, recording what the page asks of it. Counts
// also go to sessionStorage so they survive the reload after a log-out.
(function () {
  "use strict";
  const record = {
    devices: [],
    tokens: [],
    connects: [],
    updates: [],
    disconnects: Number(sessionStorage.getItem("fakeTwilio.disconnects") || 0),
  };
  window.fakeTwilio = record;

  class Emitter {
    constructor() { this.handlers = {}; }
    on(name, handler) { (this.handlers[name] = this.handlers[name] || []).push(handler); return this; }
    emit(name, ...args) { for (const handler of this.handlers[name] || []) handler(...args); }
  }

  class FakeCall extends Emitter {
    constructor(params) { super(); this.params = params; this.status = "connecting"; }
    disconnect() {
      if (this.status === "closed") return;
      this.status = "closed";
      record.disconnects += 1;
      sessionStorage.setItem("fakeTwilio.disconnects", String(record.disconnects));
      this.emit("disconnect", this);
    }
  }

  class FakeDevice extends Emitter {
    constructor(token) {
      super();
      this.token = token;
      this.calls = [];
      record.devices.push(this);
      record.tokens.push(token);
    }
    async connect(options) {
      record.connects.push(options && options.params);
      const call = new FakeCall(options && options.params);
      this.calls.push(call);
      setTimeout(() => { call.status = "open"; call.emit("accept", call); }, 50);
      return call;
    }
    updateToken(token) { this.token = token; record.updates.push(token); }
    disconnectAll() { for (const call of this.calls) call.disconnect(); }
    destroy() { this.destroyed = true; }
  }

  window.Twilio = { Device: FakeDevice };
})();
