// Self-assessment target (templates/selfassess/partials/_target_chart.html): the button that
// shows or hides the radar's min–max bands. Without this script the button stays hidden and
// the ranges are in the numbers table.
(function () {
  "use strict";

  function revealButtons() {
    document.querySelectorAll("[data-sa-bands-toggle]").forEach(function (button) {
      button.hidden = false;
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-sa-bands-toggle]");
    if (!button) {
      return;
    }
    var figure = button.closest("figure");
    var show = button.getAttribute("aria-pressed") !== "true";
    button.setAttribute("aria-pressed", show ? "true" : "false");
    figure.querySelectorAll("g.bands").forEach(function (group) {
      group.setAttribute("visibility", show ? "visible" : "hidden");
    });
  });

  document.addEventListener("DOMContentLoaded", revealButtons);
  // The chart is swapped in again (hx-swap-oob) after each joint rating.
  document.addEventListener("htmx:afterSettle", revealButtons);
})();
