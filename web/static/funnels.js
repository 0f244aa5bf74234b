// openfast dashboard, the funnel builder: steps are added one by one
// ("Add step" shows the next row), and each row shows the field its type
// needs (a path for a page, a goal name for a goal). Without scripts every
// row shows both fields and the server ignores the empty rows.
(function () {
  "use strict";
  function filled(row) {
    return Array.prototype.some.call(row.querySelectorAll("input"), function (i) { return i.value.trim() !== ""; });
  }
  function sync(row) {
    var goal = row.querySelector("select").value === "goal";
    row.querySelector(".target-url").hidden = goal;
    row.querySelector(".target-goal").hidden = !goal;
  }
  document.querySelectorAll("form.funnel-form").forEach(function (form) {
    var rows = Array.prototype.slice.call(form.querySelectorAll(".step-row"));
    var add = form.querySelector(".add-step");
    var shown = 2;
    rows.forEach(function (row, i) { if (filled(row)) shown = Math.max(shown, i + 1); });
    rows.forEach(function (row, i) {
      row.hidden = i >= shown;
      sync(row);
      row.querySelector("select").addEventListener("change", function () { sync(row); });
    });
    function update() { add.hidden = shown >= rows.length; }
    add.addEventListener("click", function () {
      if (shown >= rows.length) return;
      rows[shown].hidden = false;
      rows[shown].querySelector("input").focus();
      shown++;
      update();
    });
    update();
  });
})();
