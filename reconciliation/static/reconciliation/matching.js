// Sums of the selected bank entries and ledger lines, in øre (integers) so that the
// display never shows a floating-point artefact; the server checks the sums again.
(function () {
  function ore(text) {
    var negative = text.charAt(0) === "-";
    var parts = text.replace("-", "").split(".");
    var value = parseInt(parts[0] || "0", 10) * 100 + parseInt(((parts[1] || "") + "00").slice(0, 2), 10);
    return negative ? -value : value;
  }
  function kroner(value) {
    var sign = value < 0 ? "-" : "";
    value = Math.abs(value);
    return sign + Math.floor(value / 100) + "." + String(value % 100).padStart(2, "0");
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
