// Live progress of a check run: Server-Sent Events from /runs/<id>/events. Without this
// script the run page reloads itself (a <meta refresh> inside <noscript>) until the run ends.
"use strict";

(function () {
  const root = document.getElementById("run");
  if (!root || !window.EventSource) { addCopyButtons(document); return; }
  const list = document.getElementById("run-results");
  const bar = document.getElementById("run-bar");
  const stateText = document.getElementById("run-state");
  const announce = document.getElementById("run-announce");
  const total = Number(root.dataset.total) || 0;
  const seen = new Set(Array.from(list.children, (item) => item.dataset.id));
  const SYMBOLS = { passed: "✔", failed: "✘", skipped: "–", error: "!" };
  const WORDS = { passed: "passed", failed: "failed", skipped: "skipped", error: "checker error" };

  addCopyButtons(document);
  const source = new EventSource(root.dataset.events);

  source.addEventListener("checkpoint", (event) => {
    const result = JSON.parse(event.data);
    if (seen.has(result.id)) return;
    seen.add(result.id);
    list.appendChild(checkpointItem(result));
    bar.value = seen.size;
    bar.textContent = seen.size + " of " + total;
    stateText.textContent = "Running: " + seen.size + " of " + total + " checkpoints done.";
    // Once per checkpoint, so a screen reader hears each result and not every byte.
    announce.textContent = result.title + ": " + WORDS[result.status] + ".";
  });

  source.addEventListener("state", (event) => {
    const state = JSON.parse(event.data);
    if (state.state === "queued") {
      stateText.textContent = "Waiting in the queue (number " + state.place + "): Mission " +
        "Control runs two checks at a time, and this one starts when one of them ends.";
    } else if (state.state === "running") {
      stateText.textContent = "Running: " + seen.size + " of " + total + " checkpoints done.";
    }
  });

  source.addEventListener("summary", (event) => {
    source.close();
    const state = JSON.parse(event.data);
    const counts = state.counts;
    let text = "Finished: " + counts.passed + " passed, " + counts.failed + " failed, " +
      counts.skipped + " skipped of " + total + " checkpoints.";
    if (state.error) text += " " + state.error;
    if (state.problem) text += " " + state.problem;
    stateText.textContent = text;
    announce.textContent = text;
    bar.value = state.done;
  });

  source.onerror = () => {
    // The stream ended without a summary (the hub stopped): the page shows what it knows.
    if (source.readyState === EventSource.CLOSED) stateText.textContent += " (Reload for the latest.)";
  };

  function checkpointItem(result) {
    const item = element("li", "checkpoint");
    item.dataset.id = result.id;
    item.appendChild(element("span", "checkpoint-title", result.title));
    const status = element("span", "status status-" + result.status);
    const symbol = element("span", "", SYMBOLS[result.status] || "?");
    symbol.setAttribute("aria-hidden", "true");
    status.append(symbol, " " + (WORDS[result.status] || result.status));
    item.appendChild(status);
    if (result.status === "failed" || result.status === "error") {
      const details = document.createElement("details");
      details.open = true;
      details.appendChild(element("summary", "", "What the checker saw"));
      details.appendChild(element("pre", "feedback", result.detail || result.message));
      if (result.curl) {
        details.appendChild(element("p", "", "Try it yourself:"));
        details.appendChild(element("pre", "feedback curl", result.curl));
      }
      if (result.came_back) {
        details.appendChild(element("p", "", "What came back:"));
        details.appendChild(element("pre", "feedback", result.came_back));
      }
      if (result.app_log) {
        details.appendChild(element("p", "", "What your app logged:"));
        details.appendChild(element("pre", "feedback", result.app_log));
      }
      if (result.hint) {
        const hint = element("p", "hint");
        hint.append(element("strong", "", "Hint:"), " " + result.hint);
        details.appendChild(hint);
      }
      addCopyButtons(details);
      item.appendChild(details);
    }
    return item;
  }

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }
})();

function addCopyButtons(scope) {
  if (!navigator.clipboard) return;
  scope.querySelectorAll("pre.curl").forEach((pre) => {
    if (pre.nextElementSibling && pre.nextElementSibling.classList.contains("copy")) return;
    const button = document.createElement("button");
    button.type = "button";
    button.className = "copy";
    button.textContent = "Copy the curl command";
    button.addEventListener("click", () => {
      navigator.clipboard.writeText(pre.textContent).then(
        () => { button.textContent = "Copied"; },
        () => { button.textContent = "Could not copy: select the text instead"; },
      );
    });
    pre.after(button);
  });
}
