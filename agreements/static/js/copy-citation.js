// "Cite this page": the citation is in a read-only text box anyone can select and
// copy; with JavaScript, a button beside it copies it too and says so.
"use strict";
(function () {
  document.querySelectorAll("[data-copy-button]").forEach(function (holder) {
    var button = holder.querySelector("button[data-copy-target]");
    var source = button && document.getElementById(button.dataset.copyTarget);
    var status = holder.querySelector("[role=status]");
    if (!source) {
      return;
    }
    holder.hidden = false;
    function say(text) {
      status.textContent = text;
    }
    function selectIt() {
      source.focus();
      source.select();
    }
    button.addEventListener("click", function () {
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(source.value).then(
          function () { say(button.dataset.copied); },
          function () { selectIt(); say(button.dataset.failed); }
        );
        return;
      }
      selectIt();
      say(document.execCommand("copy") ? button.dataset.copied : button.dataset.failed);
    });
  });
})();
