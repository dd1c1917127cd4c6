// Recruitment pages: adding question rows in the campaign editor, and "select all" for
// bulk decisions. Both pages work without this file (the editor shows blank rows).
(function () {
  "use strict";

  var rows = document.getElementById("question-rows");
  var template = document.getElementById("question-template");
  var addButton = document.getElementById("add-question");
  if (rows && template && addButton) {
    addButton.classList.remove("d-none");
    addButton.addEventListener("click", function () {
      var index = parseInt(rows.getAttribute("data-next-index"), 10) || 0;
      var html = template.innerHTML.split("__prefix__").join(String(index));
      var holder = document.createElement("div");
      holder.innerHTML = html;
      while (holder.firstElementChild) {
        rows.appendChild(holder.firstElementChild);
      }
      rows.setAttribute("data-next-index", String(index + 1));
      var inputs = rows.querySelectorAll('input[name="questions-' + index + '-label"]');
      if (inputs.length) {
        inputs[0].focus();
      }
    });
  }

  document.querySelectorAll("[data-select-all]").forEach(function (box) {
    var name = box.getAttribute("data-select-all");
    var form = box.form;
    box.addEventListener("change", function () {
      form.querySelectorAll('input[type="checkbox"][name="' + name + '"]').forEach(function (item) {
        item.checked = box.checked;
      });
    });
  });
})();
