// One user block at a time: the empty extra blocks wait behind "Legg til bruker" (without
// script every block shows, and blank ones are ignored as before).
(function () {
  var blocks = Array.prototype.slice.call(document.querySelectorAll("fieldset.person.extra"));
  var add = document.querySelector("button.add-person");
  function blank(block) {
    return !block.querySelector(".errorlist") && Array.prototype.every.call(
      block.querySelectorAll("input[name$=-name], input[name$=-national_id], input[name$=-email], input[name$=-mobile]"), function (i) { return !i.value; });
  }
  var waiting = blocks.filter(blank);
  waiting.forEach(function (block) { block.hidden = true; });
  function refresh() { add.hidden = !waiting.length; }
  add.addEventListener("click", function () {
    var next = waiting.shift();
    next.hidden = false;
    next.querySelector("input[name$=-name]").focus();
    refresh();
  });
  refresh();
})();
