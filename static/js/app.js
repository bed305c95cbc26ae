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
