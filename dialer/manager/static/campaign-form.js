// The campaign form: read into the API's JSON body (POST to create, PUT to change), the
// API's refusal shown field by field; after a save, what would stop the start.
"use strict";
(function () {
  const { t, api } = window.Manager;
  const form = document.getElementById("campaign-form");
  const errors = document.getElementById("form-errors");
  const status = document.getElementById("form-status");
  const FLAGS = ["human_answered", "contact", "warm_lead", "do_not_call", "callback", "final"];

  function value(name) {
    const field = form.elements[name];
    return field ? field.value.trim() : "";
  }
  function number(name) {
    const v = value(name);
    return v === "" ? null : Number(v);
  }
  function percent(name) {
    const v = number(name);
    return v === null ? null : Math.round(v * 100) / 10000;
  }
  function checked(name) {
    return Array.from(form.querySelectorAll(`input[name="${name}"]:checked`)).map((i) => i.value);
  }

  function body() {
    const retry = {};
    for (const input of form.querySelectorAll('input[name^="retry."]')) {
      if (input.value.trim() !== "") retry[input.name.slice(6)] = Number(input.value);
    }
    const days = Array.from(form.querySelectorAll("#windows tr")).map((row) =>
      row.querySelector(".day-on").checked
        ? { start: row.querySelector(".day-start").value, end: row.querySelector(".day-end").value || null }
        : null
    );
    const codes = Array.from(form.querySelectorAll("#codes tbody tr")).map((row) => {
      const code = {
        code: row.querySelector(".code").value.trim(),
        label_zh: row.querySelector(".label_zh").value.trim(),
        label_en: row.querySelector(".label_en").value.trim(),
        hotkey: row.querySelector(".hotkey").value.trim() || null,
      };
      for (const flag of FLAGS) code[flag] = row.querySelector("." + flag).checked;
      return code;
    });
    const purpose = value("purpose");
    return {
      name: value("name"),
      purpose,
      product_code: value("product_code") || null,
      subject: value("subject") || "general",
      target_segments: checked("target_segments"),
      list_ids: checked("list_ids").map(Number),
      pacing_mode: value("pacing_mode"),
      lines_per_rep: number("lines_per_rep"),
      abandon_target: percent("abandon_target"),
      abandon_cap: percent("abandon_cap"),
      jurisdiction: value("jurisdiction"),
      caller_id: value("caller_id") || null,
      ring_seconds: number("ring_seconds"),
      abandon_message: value("abandon_message") || null,
      voicemail_policy: value("voicemail_policy"),
      wrap_up_max_seconds: number("wrap_up_max_seconds"),
      callback_routing: value("callback_routing"),
      script: form.elements.script.value,
      disclosures: form.elements.disclosures.value,
      retry_policy: retry,
      calling_windows: days.some((d) => d) ? { days } : null,
      coverage_target: purpose === "service" ? percent("coverage_target") : null,
      coverage_days: purpose === "service" ? number("coverage_days") : null,
      dispositions: codes,
    };
  }

  function showCoverage() {
    document.getElementById("coverage-fields").hidden = value("purpose") !== "service";
  }

  function showErrors(error) {
    errors.textContent = "";
    for (const marked of form.querySelectorAll("[aria-invalid]")) marked.removeAttribute("aria-invalid");
    const list = document.createElement("ul");
    const problem = error.problem || {};
    const items = problem.errors && problem.errors.length ? problem.errors : [{ field: "", message: error.message }];
    for (const e of items) {
      const item = document.createElement("li");
      item.textContent = (e.field ? e.field + ": " : "") + e.message;
      list.appendChild(item);
      const top = (e.field || "").split(".")[0];
      const field = form.elements[top];
      if (field && field.setAttribute) field.setAttribute("aria-invalid", "true");
    }
    errors.appendChild(document.createTextNode((problem.title || t("mgr_refused")) + ":"));
    errors.appendChild(list);
    errors.focus();
  }

  async function save(event) {
    if (event) event.preventDefault();
    errors.textContent = "";
    status.textContent = "";
    document.getElementById("form-problems").textContent = "";
    const id = form.dataset.campaign;
    try {
      if (!id) {
        const created = await api("POST", "/api/v1/campaigns", body());
        window.location.href = `/manager/campaigns/${created.campaign_id}/edit?saved=1`;
        return;
      }
      const saved = await api("PUT", `/api/v1/campaigns/${id}`, body());
      showSaved(saved.start_problems);
    } catch (e) {
      showErrors(e);
    }
  }

  function showSaved(problems) {
    status.textContent = t("mgr_saved");
    const shown = document.getElementById("form-problems");
    shown.textContent = "";
    if (problems && problems.length) {
      const list = document.createElement("ul");
      list.id = "start-problems";
      for (const p of problems) {
        const item = document.createElement("li");
        item.textContent = p;
        list.appendChild(item);
      }
      shown.appendChild(document.createTextNode(t("mgr_cannot_start")));
      shown.appendChild(list);
    }
  }

  form.addEventListener("submit", save);
  form.elements.purpose.addEventListener("change", showCoverage);
  document.addEventListener("keydown", (event) => {
    if ((event.ctrlKey || event.metaKey) && event.key === "s") save(event);
  });
  document.getElementById("add-code").addEventListener("click", () => {
    const rows = form.querySelector("#codes tbody");
    const copy = rows.lastElementChild.cloneNode(true);
    for (const input of copy.querySelectorAll("input")) {
      if (input.type === "checkbox") input.checked = false;
      else input.value = "";
    }
    rows.appendChild(copy);
    copy.querySelector(".code").focus();
  });
  form.querySelector("#codes").addEventListener("click", (event) => {
    const button = event.target.closest(".remove-code");
    if (button && form.querySelectorAll("#codes tbody tr").length > 1) button.closest("tr").remove();
  });
  errors.tabIndex = -1;
  showCoverage();
  if (form.dataset.campaign && new URLSearchParams(window.location.search).get("saved")) {
    api("GET", `/api/v1/campaigns/${form.dataset.campaign}/checks`).then(
      (checks) => showSaved(checks.start_problems),
      () => showSaved([])
    );
  }
})();
