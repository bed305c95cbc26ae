// Page behaviour as a file, not inline handlers: the Content-Security-Policy allows no inline script.
document.addEventListener("change", function (event) {
  var field = event.target;
  if (field.matches && field.matches("select[data-autosubmit]") && field.form) {
    field.form.submit();
  }
});
