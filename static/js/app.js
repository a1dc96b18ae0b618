// quizbank's page behaviour. No inline scripts: the CSP forbids them.
"use strict";

// Forms marked data-confirm ask before they submit (destructive or irreversible actions). A button marked
// data-busy-text says what is happening once its form goes, and a second press does not send it again.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement)) return;
  if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
    return;
  }
  const button = event.submitter;
  if (button instanceof HTMLButtonElement && button.dataset.busyText) {
    if (form.dataset.sending === "1") {
      event.preventDefault();
      return;
    }
    form.dataset.sending = "1";
    button.dataset.idleText = button.textContent;
    button.textContent = button.dataset.busyText;
    button.setAttribute("aria-busy", "true");
  }
});

// Back to a page kept in the browser's cache: its buttons are ready again.
window.addEventListener("pageshow", () => {
  for (const form of document.querySelectorAll("form[data-sending]")) delete form.dataset.sending;
  for (const button of document.querySelectorAll("button[data-idle-text]")) {
    button.textContent = button.dataset.idleText;
    button.removeAttribute("aria-busy");
    delete button.dataset.idleText;
  }
});

document.addEventListener("click", (event) => {
  const button = event.target instanceof Element ? event.target.closest("[data-print]") : null;
  if (button) window.print();
});

// A table wider than its box scrolls sideways; keyboard users must be able to reach and scroll it, so the
// box becomes a focusable, named region (named after the table's caption or the heading before it).
function labelScrollingTables() {
  for (const box of document.querySelectorAll(".table-responsive")) {
    const scrolls = box.scrollWidth > box.clientWidth + 1;
    if (scrolls && !box.hasAttribute("tabindex")) {
      const caption = box.querySelector("caption");
      let heading = box.previousElementSibling;
      while (heading && !/^H[1-6]$/.test(heading.tagName)) heading = heading.previousElementSibling;
      const name = (caption && caption.textContent.trim()) || (heading && heading.textContent.trim()) || "Table";
      box.setAttribute("tabindex", "0");
      box.setAttribute("role", "region");
      box.setAttribute("aria-label", name + " (scrolls sideways)");
    } else if (!scrolls && box.getAttribute("role") === "region") {
      box.removeAttribute("tabindex");
      box.removeAttribute("role");
      box.removeAttribute("aria-label");
    }
  }
}
labelScrollingTables();
let resizing;
window.addEventListener("resize", () => {
  clearTimeout(resizing);
  resizing = setTimeout(labelScrollingTables, 200);
});
