// The job page follows its job: it asks the status endpoint every second while the job is queued or running and
// updates the bar, the counts, the written data and the errors in place; it stops once the job has finished.
"use strict";

(function () {
  const root = document.getElementById("import-job");
  if (!root) {
    return;
  }
  const statusUrl = root.dataset.statusUrl;
  const INTERVAL_MS = 1000;
  const MAX_FAILURES = 60; // a minute without an answer: stop, the notice says to reload

  function byId(id) {
    return document.getElementById(id);
  }

  function setText(id, value) {
    const element = byId(id);
    if (element) {
      element.textContent = value === null || value === undefined ? "" : String(value);
    }
  }

  function show(id, visible) {
    const element = byId(id);
    if (element) {
      element.hidden = !visible;
    }
  }

  function cell(value) {
    const td = document.createElement("td");
    td.textContent = value === null || value === undefined ? "" : String(value);
    return td;
  }

  function renderWritten(written) {
    const items = written.map(function (item) {
      const li = document.createElement("li");
      const a = document.createElement("a");
      a.href = item.url;
      a.textContent = item.label + ", " + item.start + " to " + item.end;
      li.appendChild(a);
      if (item.quality_url) {
        const quality = document.createElement("a");
        quality.className = "job-quality";
        quality.href = item.quality_url;
        quality.textContent = "data quality";
        li.append(" \u00b7 ", quality);
      }
      return li;
    });
    byId("job-written").replaceChildren(...items);
    show("job-written-none", written.length === 0);
  }

  function renderErrors(state) {
    const rows = state.errors.map(function (error) {
      const tr = document.createElement("tr");
      tr.append(cell(error.line), cell(error.column), cell(error.value), cell(error.reason));
      return tr;
    });
    byId("job-errors").tBodies[0].replaceChildren(...rows);
    show("job-errors", rows.length > 0);
    show("job-errors-csv", state.errors_total > 0);
    setText("job-errors-summary", state.errors_summary);
  }

  function render(state) {
    setText("job-status", state.status);
    setText("job-stage", state.stage && !state.finished ? "(" + state.stage + ")" : "");
    show("job-cancel-requested", state.cancel_requested && !state.finished);
    const bar = byId("job-progress");
    if (state.progress === null) {
      bar.removeAttribute("value"); // indeterminate: the size is not known
    } else {
      bar.value = state.progress;
    }
    setText("job-progress-text", state.bytes_text);
    setText("job-message", state.message);
    for (const name of Object.keys(state.counts)) {
      setText("count-" + name, state.counts[name]);
    }
    setText("job-duration", state.duration_text);
    if (byId("job-detected-format")) {
      setText("job-detected-format", state.detected_format_text);
    }
    renderWritten(state.written);
    renderErrors(state);
    show("job-cancel", state.can_cancel);
    show("job-retry", state.can_retry);
  }

  let failures = 0;

  function stop(notice) {
    root.dataset.polling = "off";
    if (notice) {
      setText("job-connection", notice);
      show("job-connection", true);
    }
  }

  async function poll() {
    try {
      const response = await fetch(statusUrl, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        cache: "no-store",
      });
      if (response.redirected) {
        // Sent to the login page: the session has ended.
        stop("Your session has ended: reload the page to sign in again.");
        return;
      }
      if (!response.ok) {
        throw new Error("status " + response.status);
      }
      const state = await response.json();
      failures = 0;
      show("job-connection", false);
      render(state);
      if (state.finished) {
        stop();
        return;
      }
    } catch (error) {
      failures += 1;
      if (failures >= MAX_FAILURES) {
        stop("The server has not answered for a while; reload the page to see how the import went.");
        return;
      }
      setText("job-connection", "No answer from the server (" + error.message + "); trying again.");
      show("job-connection", true);
    }
    window.setTimeout(poll, INTERVAL_MS);
  }

  if (root.dataset.polling === "on") {
    window.setTimeout(poll, INTERVAL_MS);
  }
})();
