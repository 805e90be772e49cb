/* Directory: filter form behaviour and commune suggestions (no inline script: strict CSP). */
(function () {
  "use strict";

  // On a phone the filters start folded (unless some are active) so results come first.
  document.querySelectorAll("details[data-collapse-on-phone]").forEach(function (details) {
    if (window.matchMedia("(max-width: 991.98px)").matches) {
      details.removeAttribute("open");
    }
  });

  // Ticking a checkbox or choosing a radius applies the filters at once; the address changes,
  // so the back button brings the previous filters back.
  document.querySelectorAll("form[data-autosubmit]").forEach(function (form) {
    form.addEventListener("change", function (event) {
      var target = event.target;
      if (target.matches("input[type=checkbox], select")) {
        submitClean(form);
      }
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      submitClean(form);
    });
  });

  // Empty fields are left out of the address, which stays short and readable.
  function submitClean(form) {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, key) {
      if (String(value).trim() !== "") {
        params.append(key, value);
      }
    });
    var query = params.toString();
    window.location.assign(form.getAttribute("action") + (query ? "?" + query : ""));
  }

  // Commune suggestions from the platform's own reference data.
  document.querySelectorAll("input[data-commune-autocomplete]").forEach(function (input) {
    var url = input.getAttribute("data-commune-autocomplete");
    var list = document.getElementById(input.getAttribute("list"));
    var timer = null;
    var lastQuery = "";
    input.addEventListener("input", function () {
      var query = input.value.trim();
      if (query.length < 2 || query === lastQuery || /\(\d{5}\)$/.test(query)) {
        return;
      }
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        lastQuery = query;
        fetch(url + "?q=" + encodeURIComponent(query), { headers: { Accept: "application/json" } })
          .then(function (response) { return response.ok ? response.json() : { results: [] }; })
          .then(function (data) {
            list.replaceChildren();
            data.results.forEach(function (item) {
              var option = document.createElement("option");
              option.value = item.label;
              option.textContent = item.departement;
              list.appendChild(option);
            });
          })
          .catch(function () { /* suggestions are a convenience: typing still works */ });
      }, 180);
    });
  });
})();
