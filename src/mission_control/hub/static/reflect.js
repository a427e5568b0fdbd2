// Keeps an unsaved reflection draft in this browser (localStorage), so a reload or a closed
// tab never loses what was typed; the draft is dropped once the form is submitted.
"use strict";

(function () {
  const form = document.querySelector("form[data-draft]");
  if (!form || !window.localStorage) return;
  const prefix = "mission-draft:" + form.dataset.draft + ":";
  const note = form.querySelector(".draft-note");
  let restored = 0;
  form.querySelectorAll("textarea").forEach((area) => {
    const key = prefix + area.name;
    const kept = localStorage.getItem(key);
    if (kept !== null && kept !== area.value) {
      area.value = kept;
      restored += 1;
    }
    area.addEventListener("input", () => localStorage.setItem(key, area.value));
  });
  if (restored && note) {
    note.textContent = "Your unsaved draft is back. Press Save to keep it.";
    note.hidden = false;
  }
  form.addEventListener("submit", (event) => {
    if (event.submitter && event.submitter.value !== "save") return;
    form.querySelectorAll("textarea").forEach((area) => localStorage.removeItem(prefix + area.name));
  });
})();
