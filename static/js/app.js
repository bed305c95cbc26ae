// Page behaviour as a file, not inline handlers: the Content-Security-Policy allows no inline script.
document.addEventListener("change", function (event) {
  var field = event.target;
  if (field.matches && field.matches("select[data-autosubmit]") && field.form) {
    field.form.submit();
  }
});

// A "select all" checkbox (data-select-all="<name>") checks or clears the form's boxes of that name,
// and follows them: checked when all are, mixed when some are.
document.addEventListener("change", function (event) {
  var field = event.target;
  if (!field.matches || !field.form) {
    return;
  }
  var boxes;
  if (field.matches("input[data-select-all]")) {
    boxes = field.form.querySelectorAll('input[type=checkbox][name="' + field.dataset.selectAll + '"]');
    boxes.forEach(function (box) { box.checked = field.checked; });
    return;
  }
  if (field.matches("input[type=checkbox][name]")) {
    var all = field.form.querySelector('input[data-select-all="' + field.name + '"]');
    if (all) {
      boxes = Array.prototype.slice.call(field.form.querySelectorAll('input[type=checkbox][name="' + field.name + '"]'));
      var checked = boxes.filter(function (box) { return box.checked; }).length;
      all.checked = checked === boxes.length;
      all.indeterminate = checked > 0 && checked < boxes.length;
    }
  }
});

// The top bar: "Menu" folds the main menu open on a narrow screen.
document.addEventListener("click", function (event) {
  var toggle = event.target.closest && event.target.closest(".menu-toggle");
  if (!toggle) return;
  var open = toggle.closest(".topbar").classList.toggle("menu-open");
  toggle.setAttribute("aria-expanded", open ? "true" : "false");
});

// The current page in the main menu: its link and its group are marked (aria-current), no other.
document.addEventListener("DOMContentLoaded", function () {
  var here = window.location.pathname, best = null, bestLength = 0;
  document.querySelectorAll("nav.menu a[href]").forEach(function (link) {
    var path = new URL(link.href, window.location.href).pathname;
    var matches = path === "/" ? here === "/" : here.indexOf(path) === 0;
    if (matches && path.length > bestLength) { best = link; bestLength = path.length; }
  });
  if (!best) return;
  best.setAttribute("aria-current", "page");
  var group = best.closest(".menu-group");
  if (group) group.classList.add("current");
});

// Payments and suppliers abroad: a form with a country or currency switch (data-abroad-switch) shows
// the fields of a payment abroad (data-shown-when="abroad") or of a Norwegian one ("domestic"), and
// the Currency Register's fields ("report") only when the payment may be above the threshold.
// Without script every field is shown and the server decides; a field with an error stays shown.
(function () {
  function isAbroad(form) {
    var abroad = false;
    form.querySelectorAll("[data-abroad-switch]").forEach(function (field) {
      var value = (field.value || "").replace(/\s+/g, "").toUpperCase();
      var kind = field.dataset.abroadSwitch;
      if (kind === "country" && value && value !== "NO") abroad = true;
      if (kind === "currency" && value && value !== "NOK") abroad = true;
      if (kind === "account" && /^[A-Z]{2}[0-9]{2}/.test(value)) abroad = true;
    });
    return abroad;
  }

  // Roughly what the payment is worth in NOK from the bank's last published rates; unknown → needed.
  function reportNeeded(form) {
    var amountField = form.querySelector("[data-report-amount]");
    var currencyField = form.querySelector("[data-abroad-switch=currency]");
    if (!amountField || !currencyField) return true;
    var text = (amountField.value || "").replace(/[\s\u00a0]/g, "").replace(",", ".");
    if (!/^[0-9]+(\.[0-9]+)?$/.test(text)) return true;
    var rates = JSON.parse(currencyField.dataset.rates || "{}");
    var rate = currencyField.value === "NOK" ? 1 : parseFloat(rates[currencyField.value] || "NaN");
    if (isNaN(rate)) return true;
    // A margin: the rate on the execution date may be higher than the last one known.
    return parseFloat(text) * rate > parseFloat(amountField.dataset.reportAmount) * 0.9;
  }

  function update(form) {
    var abroad = isAbroad(form);
    var report = abroad && reportNeeded(form);
    form.querySelectorAll("[data-shown-when]").forEach(function (field) {
      var box = field.closest(".field") || field;
      var when = field.dataset.shownWhen;
      var show = when === "abroad" ? abroad : when === "report" ? report : !abroad;
      box.hidden = !show && !box.querySelector(".error");
    });
  }

  function refresh(event) {
    var form = event.target && event.target.form;
    if (form && form.querySelector("[data-abroad-switch]")) update(form);
  }

  document.addEventListener("change", refresh);
  document.addEventListener("input", refresh);
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form").forEach(function (form) {
      if (form.querySelector("[data-abroad-switch]")) update(form);
    });
  });
})();
