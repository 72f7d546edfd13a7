// The register's admin change forms: a collapsed fieldset hides its errors, so open
// the ones that hold any. A static file rather than an inline script, so that the
// Content-Security-Policy needs no 'unsafe-inline'.
"use strict";
document.querySelectorAll("fieldset details").forEach(function (details) {
  if (details.querySelector(".errorlist")) {
    details.open = true;
  }
});
