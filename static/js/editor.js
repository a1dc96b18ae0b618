// The question editor shows only the fields of the chosen type (all stay in the form for no-JS use).
"use strict";
(function () {
  const select = document.getElementById("qtype");
  if (!select) return;
  const sync = () => {
    for (const block of document.querySelectorAll("[data-for-types]")) {
      block.hidden = !block.dataset.forTypes.split(" ").includes(select.value);
    }
  };
  select.addEventListener("change", sync);
  sync();
})();
