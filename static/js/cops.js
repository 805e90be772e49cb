/* Behaviour shared by every page (loaded by base.html). */
(function () {
  "use strict";

  // A table wider than the screen scrolls sideways: make its scroll area reachable and named
  // for keyboard and screen-reader users (WCAG 2.1.1 / axe "scrollable-region-focusable").
  function labelScrollableTables(root) {
    root.querySelectorAll(".table-responsive").forEach(function (wrapper) {
      if (wrapper.scrollWidth <= wrapper.clientWidth + 1) {
        return;
      }
      wrapper.setAttribute("tabindex", "0");
      wrapper.setAttribute("role", "region");
      if (!wrapper.hasAttribute("aria-label") && !wrapper.hasAttribute("aria-labelledby")) {
        var table = wrapper.querySelector("table");
        var caption = table && table.caption ? table.caption.textContent.trim() : "";
        var fallback = document.documentElement.lang === "en" ? "Scrollable table" : "Tableau défilant";
        wrapper.setAttribute("aria-label", caption || fallback);
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    labelScrollableTables(document);
  });
  window.addEventListener("resize", function () {
    labelScrollableTables(document);
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    labelScrollableTables(event.target);
  });
})();
