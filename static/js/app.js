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
