// Sums of the selected bank entries and ledger lines, in øre (integers) so that the
// display never shows a floating-point artefact; the server checks the sums again.
(function () {
  function ore(text) {
    var negative = text.charAt(0) === "-";
    var parts = text.replace("-", "").split(".");
    var value = parseInt(parts[0] || "0", 10) * 100 + parseInt(((parts[1] || "") + "00").slice(0, 2), 10);
    return negative ? -value : value;
  }
  // Written as the page's language writes amounts (<html lang>): 12 345,67 or 12,345.67.
  var english = (document.documentElement.lang || "nb").slice(0, 2) === "en";
  var format = new Intl.NumberFormat(english ? "en-GB" : "nb-NO", {
    minimumFractionDigits: 2,
    maximumFractionDigits: 2,
  });
  function kroner(value) {
    return format.format(value / 100).replace("\u2212", "-");
  }
  function total(side) {
    var sum = 0;
    document.querySelectorAll('input[data-side="' + side + '"]:checked').forEach(function (box) {
      sum += ore(box.dataset.amount);
    });
    return sum;
  }
  function update() {
    var bank = total("bank"), ledger = total("ledger");
    document.getElementById("bank-sum").textContent = kroner(bank);
    document.getElementById("ledger-sum").textContent = kroner(ledger);
    var diff = document.getElementById("diff-sum");
    if (diff) diff.textContent = kroner(bank - ledger);
  }
  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("input[data-side]")) update();
  });
  update();
})();
