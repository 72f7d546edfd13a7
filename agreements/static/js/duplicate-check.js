// The document form asks, while the title, the date or the parties are typed, which
// documents already in the register this one looks like, and lists them above the
// form (#duplicate-check). Built with DOM calls, never markup from the response.
"use strict";
(function () {
  var box = document.getElementById("duplicate-check");
  var title = document.getElementById("id_title");
  if (!box || !title) {
    return;
  }
  var signedOn = document.getElementById("id_signed_on");
  var timer = null;
  var asked = "";

  function bodies() {
    return Array.prototype.map.call(
      document.querySelectorAll("select[name^='parties-'][name$='-body']"),
      function (select) { return select.value; }
    ).filter(function (value) { return value; });
  }

  function show(data) {
    box.replaceChildren();
    if (!data.matches || !data.matches.length) {
      box.hidden = true;
      return;
    }
    var intro = document.createElement("p");
    var strong = document.createElement("strong");
    strong.textContent = data.intro;
    intro.appendChild(strong);
    var list = document.createElement("ul");
    data.matches.forEach(function (match) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = match.url;
      link.textContent = match.title;
      item.appendChild(link);
      item.appendChild(document.createTextNode(
        " (" + match.signed_on + "; " + match.reason + ")"
      ));
      list.appendChild(item);
    });
    box.appendChild(intro);
    box.appendChild(list);
    box.hidden = false;
  }

  function ask() {
    var params = new URLSearchParams();
    params.set("title", title.value);
    if (signedOn && /^\d{4}-\d{2}-\d{2}$/.test(signedOn.value)) {
      params.set("signed_on", signedOn.value);
    }
    bodies().forEach(function (body) { params.append("body", body); });
    if (box.dataset.exclude) {
      params.set("exclude", box.dataset.exclude);
    }
    var query = params.toString();
    if (query === asked || title.value.trim().length < 8) {
      return;
    }
    asked = query;
    fetch(box.dataset.url + "?" + query, {credentials: "same-origin"})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) { if (data) { show(data); } })
      .catch(function () {});
  }

  function later() {
    window.clearTimeout(timer);
    timer = window.setTimeout(ask, 400);
  }

  title.addEventListener("input", later);
  if (signedOn) {
    signedOn.addEventListener("change", later);
    signedOn.addEventListener("input", later);
  }
  // the parties' autocomplete (select2) tells jQuery, not the DOM
  if (window.django && window.django.jQuery) {
    window.django.jQuery(document).on("change", "select[name$='-body']", later);
  }
})();
