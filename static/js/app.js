// quizbank's page behaviour. No inline scripts: the CSP forbids them.
"use strict";

// Forms marked data-confirm ask before they submit (destructive or irreversible actions).
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
  }
});
