/* Barometer: conditional questions and "Autre, précisez" fields on the survey pages.
   Without JavaScript every question stays visible with a sentence saying when to answer it. */
(function () {
  "use strict";

  function chosenValues(form, name) {
    return Array.prototype.map.call(
      form.querySelectorAll('input[name="' + name + '"]:checked'),
      function (input) { return input.value; }
    );
  }

  function update(form) {
    form.querySelectorAll("[data-show-if]").forEach(function (block) {
      var expected = block.getAttribute("data-show-values").split(" ");
      var chosen = chosenValues(form, block.getAttribute("data-show-if"));
      var controller = form.querySelector('[name="' + block.getAttribute("data-show-if") + '"]');
      var controllerBlock = controller ? controller.closest(".survey-question") : null;
      var shown = chosen.some(function (value) { return expected.indexOf(value) !== -1; }) &&
        !(controllerBlock && controllerBlock.hidden);
      block.hidden = !shown;
    });
    form.querySelectorAll("[data-other-of]").forEach(function (other) {
      var chosen = chosenValues(form, other.getAttribute("data-other-of"));
      other.hidden = chosen.indexOf("_autre") === -1 && !other.querySelector("[aria-invalid]");
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form.survey-form").forEach(function (form) {
      update(form);
      form.addEventListener("change", function () { update(form); });
    });
    document.querySelectorAll("[data-copy]").forEach(function (button) {
      button.addEventListener("click", function () {
        var target = document.getElementById(button.getAttribute("data-copy"));
        if (target && navigator.clipboard) {
          navigator.clipboard.writeText(target.value || target.textContent).then(function () {
            button.textContent = button.getAttribute("data-copied") || button.textContent;
          });
        }
      });
    });
  });
})();
