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

  // Countdown: seconds left as the server computed them, counted down locally. The visible clock is
  // aria-hidden; screen readers get a text kept to the minute (not live) and a polite announcement only at
  // 5 and 1 minutes, shown on screen too.
  const box = document.querySelector("[data-countdown]");
  if (box) {
    const shown = box.querySelector(".countdown");
    const announce = box.querySelector("[data-countdown-announce]");
    const spoken = box.querySelector("[data-countdown-static]");
    const warning = box.querySelector("[data-countdown-warning]");
    const end = Date.now() + Number(box.dataset.secondsLeft) * 1000;
    // Marks already announced for this attempt (by its deadline), so that moving to another question does
    // not announce the same warning again; the warning stays on screen.
    const storageKey = "quizbank-countdown-warned:" + box.dataset.deadline;
    const warned = new Set();
    try {
      for (const mark of JSON.parse(sessionStorage.getItem(storageKey) || "[]")) warned.add(mark);
    } catch (err) { /* storage unavailable: every page announces afresh */ }
    const remember = (mark) => {
      warned.add(mark);
      try { sessionStorage.setItem(storageKey, JSON.stringify([...warned])); } catch (err) { /* ignore */ }
    };
    const show = (text) => {
      if (warning) {
        warning.textContent = text;
        warning.hidden = false;
      }
    };
    const say = (text) => {
      announce.textContent = text;
      show(text);
    };
    const warningText = (mark) => (mark === 300 ? "5 minutes" : "1 minute") +
      " left. Your answers are saved; the attempt is submitted when time runs out.";
    const tick = () => {
      const left = Math.max(0, Math.round((end - Date.now()) / 1000));
      const minutes = Math.floor(left / 60);
      shown.textContent = minutes + ":" + String(left % 60).padStart(2, "0");
      if (spoken) {
        const text = left < 60 ? "less than a minute left" : minutes + (minutes === 1 ? " minute" : " minutes") + " left";
        if (spoken.textContent !== text) spoken.textContent = text;
      }
      for (const mark of [300, 60]) {
        if (left <= mark && left > 0 && !box.classList.contains("countdown-warning-" + mark)) {
          box.classList.add("countdown-warning", "countdown-warning-" + mark);
          if (warned.has(mark)) {
            show(warningText(mark));
          } else {
            remember(mark);
            say(warningText(mark));
          }
        }
      }
      if (left === 0) {
        clearInterval(timer);
        say("Time is up. Your attempt is being submitted.");
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
