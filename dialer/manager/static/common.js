// The campaign manager console's shared helpers: its text, and JSON calls to the API that
// turn a problem+json answer into sentences to show.
"use strict";
window.Manager = (function () {
  const root = document.getElementById("manager");
  const messages = JSON.parse(document.getElementById("manager-messages").textContent);
  const csrf = root.dataset.csrf;

  function t(key) {
    return messages[key] || key;
  }

  function problemText(body, status) {
    if (!body) return String(status);
    const parts = [];
    if (body.detail) parts.push(body.detail);
    for (const e of body.errors || []) {
      parts.push(e.field && e.field !== "campaign" ? e.field + ": " + e.message : e.message);
    }
    return (body.title ? body.title + ". " : "") + parts.join(" · ");
  }

  async function api(method, path, body) {
    const response = await fetch(path, {
      method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    let data = null;
    try {
      data = await response.json();
    } catch (_) {
      data = null;
    }
    if (!response.ok) {
      const error = new Error(problemText(data, response.status));
      error.problem = data;
      error.status = response.status;
      throw error;
    }
    return data;
  }

  return { t, api, problemText, lang: root.dataset.lang };
})();
