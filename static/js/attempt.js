// Taking an attempt: autosave on every change, a countdown that only displays the server's deadline,
// polite announcements at 5 and 1 minutes, and keyboard shortcuts.
"use strict";

(function () {
  const form = document.querySelector("form[data-autosave]");
  const status = document.querySelector("[data-save-status]");

  function setStatus(text) {
    if (status) status.textContent = text;
  }

  // Seconds on this question since it was shown or last saved: sent with each save, for item statistics.
  let since = Date.now();
  function takeSpent() {
    const spent = Math.round((Date.now() - since) / 1000);
    since = Date.now();
    return String(spent);
  }

  async function autosave() {
    if (!form) return;
    const body = new FormData(form);
    body.set("spent", takeSpent());
    try {
      const response = await fetch(form.action, {
        method: "POST", body, credentials: "same-origin",
        headers: { "X-Autosave": "1", "Accept": "application/json" },
      });
      const data = await response.json();
      if (data.closed && data.redirect) {
        window.location.assign(data.redirect);
      } else if (data.saved) {
        setStatus("Saved at " + new Date().toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) + ".");
      } else {
        setStatus(data.error || "Not saved. Check your answer and try again.");
      }
    } catch (err) {
      setStatus("Not saved: the connection was lost. Your answer is sent again when you move on.");
    }
  }

  if (form) {
    form.addEventListener("submit", () => {
      const field = form.querySelector("input[name=spent]");
      if (field) field.value = takeSpent();
    });
    form.addEventListener("change", autosave);
    let typing;
    form.addEventListener("input", (event) => {
      if (event.target.name === "number") {
        clearTimeout(typing);
        typing = setTimeout(autosave, 800);
      }
    });
  }

  // Countdown: seconds left as the server computed them, counted down locally.
  const box = document.querySelector("[data-countdown]");
  if (box) {
    const shown = box.querySelector(".countdown");
    const announce = box.querySelector("[data-countdown-announce]");
    const end = Date.now() + Number(box.dataset.secondsLeft) * 1000;
    const warned = new Set();
    const tick = () => {
      const left = Math.max(0, Math.round((end - Date.now()) / 1000));
      const minutes = Math.floor(left / 60);
      shown.textContent = minutes + ":" + String(left % 60).padStart(2, "0");
      for (const mark of [300, 60]) {
        if (left <= mark && left > 0 && !warned.has(mark)) {
          warned.add(mark);
          box.classList.add("countdown-warning");
          announce.textContent = (mark === 300 ? "5 minutes" : "1 minute") + " left.";
        }
      }
      if (left === 0) {
        clearInterval(timer);
        announce.textContent = "Time is up. Your attempt is being submitted.";
        const submitForm = document.getElementById(box.dataset.submitForm);
        if (submitForm) submitForm.submit();
      }
    };
    const timer = setInterval(tick, 1000);
    tick();
  }

  // Shortcuts: a single key when focus is not in a text field.
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    if (target instanceof HTMLInputElement && target.type === "text") return;
    if (target instanceof HTMLInputElement && target.inputMode === "decimal") return;
    if (target instanceof HTMLSelectElement || target instanceof HTMLTextAreaElement) return;
    const element = document.querySelector('[data-shortcut="' + event.key.toLowerCase() + '"]');
    if (!element) return;
    event.preventDefault();
    element.click();
  });
})();
