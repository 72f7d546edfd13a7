// The admin's drop-down list filters (templates/admin/agreements/filter_select.html):
// choosing submits the filter's form, as a click on a filter's link would. A static
// file rather than an inline script, so that the Content-Security-Policy needs no
// 'unsafe-inline'; without scripts, the filter's button submits it.
"use strict";
document.addEventListener("change", function (event) {
  if (event.target.matches("select[data-filter-select]")) {
    event.target.form.submit();
  }
});
