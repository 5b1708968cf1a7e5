// The what-if planner: ask (a background job), follow its status, chart the forecast by
// day (dials, numbers left, warm leads) next to what actually happened since.
"use strict";
(function () {
  const { t, api } = window.Manager;
  const form = document.getElementById("planner-form");
  const statusText = document.getElementById("p-status");
  const error = document.getElementById("p-error");
  const chart = window.echarts ? window.echarts.init(document.getElementById("p-chart")) : null;

  function show(job) {
    const f = job.result.forecast;
    const basis = job.result.basis;
    document.getElementById("p-answer").hidden = false;
    document.getElementById("p-reps").textContent = f.reps_needed === null ? t("mgr_plan_not_enough") + " (" + f.reps_tried + ")" : f.reps_needed;
    document.getElementById("p-leads").textContent = f.warm_leads;
    document.getElementById("p-numbers").textContent = f.numbers_left;
    document.getElementById("p-dials").textContent = f.dials_needed + " (" + f.dials_per_hour + "/h)";
    document.getElementById("p-abandon").textContent = (f.abandon_rate * 100).toFixed(2) + "%";
    document.getElementById("p-basis").textContent =
      t("mgr_plan_basis") + ": " + basis.pacing_mode + " · " + basis.learned_from_dials + " " + t("mgr_dials") +
      (basis.defaults ? " (" + t("mgr_plan_defaults") + ")" : "") +
      " · " + t("mgr_answers") + " " + (basis.human * 100).toFixed(1) + "% · talk " + Math.round(basis.talk_seconds) +
      " s · wrap " + Math.round(basis.wrap_seconds) + " s · " + basis.expected_attempts + "×";
    document.getElementById("p-answer").dataset.reps = f.reps_needed === null ? "" : f.reps_needed;
    if (!chart) return;
    const actual = Object.fromEntries((job.actual || []).map((a) => [a.day, a.dials]));
    const days = f.days.map((d) => d.day);
    chart.setOption({
      tooltip: { trigger: "axis" },
      legend: {},
      xAxis: { type: "category", data: days },
      yAxis: [{ type: "value" }, { type: "value", name: t("mgr_plan_leads") }],
      series: [
        { name: t("mgr_dials"), type: "bar", data: f.days.map((d) => d.dials) },
        { name: t("mgr_dials") + " (actual)", type: "bar", data: days.map((d) => actual[d] || 0) },
        { name: t("mgr_plan_numbers_left"), type: "line", data: f.days.map((d) => d.numbers_left) },
        { name: t("mgr_plan_leads"), type: "line", yAxisIndex: 1, data: f.days.map((d) => d.warm_leads_total) },
      ],
    });
  }

  async function follow(jobId) {
    for (;;) {
      const job = await api("GET", `/api/v1/forecasts/${jobId}`);
      statusText.textContent = "#" + jobId + " · " + t("mgr_plan_" + job.status);
      statusText.dataset.status = job.status;
      if (job.status === "done") return show(job);
      if (job.status === "failed") {
        error.textContent = job.error;
        return;
      }
      await new Promise((resolve) => window.setTimeout(resolve, 1000));
    }
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    const campaign = document.getElementById("p-campaign").value;
    try {
      const job = await api("POST", `/api/v1/campaigns/${campaign}/forecasts`, {
        deadline: document.getElementById("p-deadline").value,
        hours_per_day: Number(document.getElementById("p-hours").value),
        max_reps: Number(document.getElementById("p-max-reps").value),
      });
      await follow(job.planner_job_id);
    } catch (e) {
      error.textContent = e.message;
    }
  });
  document.getElementById("p-campaign").addEventListener("change", (event) => {
    window.location.href = "/manager/planner?campaign=" + event.target.value;
  });
  document.getElementById("p-history").addEventListener("click", (event) => {
    const button = event.target.closest(".show-job");
    if (button) follow(button.closest("tr").dataset.job);
  });
  window.addEventListener("resize", () => chart && chart.resize());
})();
