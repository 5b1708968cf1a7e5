// the list upload page (dialer/lists/templates/lists_upload.html): its data comes in
// the page's JSON element, never as inline script (the CSP allows none)
const page = JSON.parse(document.getElementById("upload-data").textContent);
const csrf = page.csrf;
const text = page.texts;
const form = document.getElementById("upload-form");
const progress = document.getElementById("progress");
form.addEventListener("submit", async (event) => {
  event.preventDefault();
  document.getElementById("summary").hidden = true;
  document.getElementById("rejects-link").hidden = true;
  progress.textContent = text.uploading;
  const response = await fetch("/api/v1/lists/imports", {
    method: "POST", body: new FormData(form), headers: {"X-CSRF-Token": csrf},
  });
  const started = await response.json();
  if (!response.ok) { progress.textContent = started.detail || response.statusText; return; }
  let job = started;
  while (job.status === "queued" || job.status === "running") {
    progress.textContent = text.running + " " + job.rows_read.toLocaleString();
    await new Promise((resolve) => setTimeout(resolve, 300));
    job = await (await fetch(started.status_url)).json();
  }
  if (job.status === "failed") { progress.textContent = text.failed + " " + job.error; return; }
  progress.textContent = job.status === "skipped" ? text.skipped : text.done;
  if (job.status === "done") {
    for (const key of ["rows", "accepted", "merged", "rejected"]) {
      document.getElementById(key).textContent = job[key].toLocaleString();
    }
    document.getElementById("reasons").textContent = Object.entries(job.reject_reasons)
      .map(([reason, count]) => reason + ": " + count).join(", ");
    document.getElementById("summary").hidden = false;
    const link = document.getElementById("rejects-link");
    link.href = job.rejects_url;
    link.hidden = job.rejected === 0;
  }
});
