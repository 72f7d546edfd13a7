"use strict";
// Package entry (agreements/admin/package.py): the rows are made here from the row
// template the server renders once (the formset's empty form), as many as the page
// asks for; "Add a row" adds one more and keeps what is typed. The rows made before
// the page is ready get their autocompletes from the admin's autocomplete.js as it
// starts; a row added later announces itself with the admin's "formset:added" event.
{
  const list = document.querySelector(".package-rows__list");
  const template = document.getElementById("package-row-template");
  const total = document.getElementById("id_rows-TOTAL_FORMS");
  const button = document.getElementById("package-add-row");
  if (list && template && total && button) {
    const max = Number(list.dataset.max);
    const addRow = () => {
      const index = Number(total.value);
      if (index >= max) {
        return null;
      }
      const html = template.innerHTML
        .replaceAll("__prefix__", String(index))
        .replaceAll("__number__", String(index + 1));
      list.insertAdjacentHTML("beforeend", html);
      total.value = String(index + 1);
      button.disabled = index + 1 >= max;
      return list.lastElementChild;
    };
    while (Number(total.value) < Math.min(Number(list.dataset.rows), max)) {
      addRow();
    }
    button.disabled = Number(total.value) >= max;
    button.addEventListener("click", () => {
      const row = addRow();
      if (row) {
        row.dispatchEvent(
          new CustomEvent("formset:added", {bubbles: true, detail: {formsetName: "rows"}})
        );
        row.querySelector("input[type=text]")?.focus();
      }
    });
  }
}
