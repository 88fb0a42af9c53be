/* The workbench's forms, made a little handier; everything works without this script.
   - Reference pickers search as you type (GET data-search-url?q=&type=, JSON) and add the
     chosen resource as a checked checkbox (or radio, for one value) with its name.
   - "Add a value" adds an input in place instead of sending the form.
   No framework, no build step, nothing loaded from elsewhere. */
(function () {
  "use strict";

  function debounce(fn, ms) {
    var timer = null;
    return function () {
      var args = arguments, self = this;
      clearTimeout(timer);
      timer = setTimeout(function () { fn.apply(self, args); }, ms);
    };
  }

  function choose(picker, item) {
    if (picker.dataset.fill === "true") {  // a name field (question forms): the name goes in the box
      picker.querySelector("input[type=search]").value = item.label;
      return;
    }
    var key = picker.dataset.key;
    var multi = picker.dataset.multi === "true";
    var field = picker.closest("[data-field]");
    var list = field.querySelector(".picker__chosen");
    var existing = list.querySelector('input[value="' + CSS.escape(item.id) + '"]');
    if (existing) { existing.checked = true; return; }
    if (!multi) {
      list.querySelectorAll("input").forEach(function (el) { el.checked = false; });
    }
    var li = document.createElement("li");
    var input = document.createElement("input");
    input.type = multi ? "checkbox" : "radio";
    input.name = "f." + key;
    input.value = item.id;
    input.checked = true;
    input.id = "f-" + key + "-p" + Math.random().toString(36).slice(2, 8);
    var label = document.createElement("label");
    label.htmlFor = input.id;
    label.textContent = item.label + " (" + item.type + ")";
    li.appendChild(input);
    li.appendChild(document.createTextNode(" "));
    li.appendChild(label);
    list.insertBefore(li, list.firstChild);
  }

  function setUpPicker(picker, url) {
    var input = picker.querySelector("input[type=search]");
    var results = picker.querySelector(".picker__results");
    var button = picker.querySelector("button");
    var items = [];
    var active = -1;
    var fill = picker.dataset.fill === "true";

    function close() {
      results.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      var options = results.querySelectorAll("[role=option]");
      options.forEach(function (el, i) { el.setAttribute("aria-selected", i === index ? "true" : "false"); });
      active = index;
      if (options[index]) { input.setAttribute("aria-activedescendant", options[index].id); }
    }

    function show(found) {
      items = found;
      results.innerHTML = "";
      found.forEach(function (item, i) {
        var li = document.createElement("li");
        li.id = results.id + "-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.dataset.id = item.id;
        li.textContent = item.label + " (" + item.type + (item.state === "concept" ? ", concept" : "") + ")";
        li.addEventListener("mousedown", function (event) {
          event.preventDefault();
          choose(picker, item);
          if (!fill) { input.value = ""; }
          close();
        });
        results.appendChild(li);
      });
      if (!found.length) {
        var none = document.createElement("li");
        none.className = "picker__nothing";
        none.textContent = document.documentElement.lang === "en" ? "Nothing found" : "Niets gevonden";
        results.appendChild(none);
      }
      results.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }

    var search = debounce(function () {
      var q = input.value.trim();
      if (!q) { close(); return; }
      var params = new URLSearchParams({ q: q, lang: document.documentElement.lang });
      if (picker.dataset.type) { params.set("type", picker.dataset.type); }
      fetch(url + (url.indexOf("?") < 0 ? "?" : "&") + params.toString(), {
        headers: { Accept: "application/json" }, credentials: "same-origin"
      }).then(function (r) { return r.ok ? r.json() : { items: [] }; })
        .then(function (body) { if (input.value.trim() === q) { show(body.items || []); } })
        .catch(function () { close(); });
    }, 200);

    input.addEventListener("input", search);
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown" && items.length) { event.preventDefault(); highlight(Math.min(active + 1, items.length - 1)); }
      else if (event.key === "ArrowUp" && items.length) { event.preventDefault(); highlight(Math.max(active - 1, 0)); }
      else if (event.key === "Enter") {
        if (fill && !(active >= 0 && items[active])) { close(); return; }  // a name field: Enter asks the question
        event.preventDefault();  // never submit the whole form from the search box
        if (active >= 0 && items[active]) { choose(picker, items[active]); if (!fill) { input.value = ""; } close(); }
        else { search(); }
      } else if (event.key === "Escape") { close(); }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
    if (button) { button.hidden = true; }
  }

  function setUpValues(field) {
    var button = field.querySelector("[data-add-value]");
    var list = field.querySelector("[data-values]");
    if (!button || !list) { return; }
    button.addEventListener("click", function (event) {
      event.preventDefault();
      var last = list.lastElementChild;
      var copy = last.cloneNode(true);
      var input = copy.querySelector("input");
      var label = copy.querySelector("label");
      var n = list.children.length + 1;
      input.id = input.id.replace(/-\d+$/, "-" + n);
      input.value = "";
      label.htmlFor = input.id;
      label.textContent = label.textContent.replace(/\d+$/, String(n));
      list.appendChild(copy);
      input.focus();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form.cms-form").forEach(function (form) {
      var url = form.dataset.searchUrl;
      form.querySelectorAll("[data-picker]").forEach(function (picker) { setUpPicker(picker, url); });
      form.querySelectorAll("[data-field]").forEach(setUpValues);
    });
    document.querySelectorAll("form.question-form[data-search-url]").forEach(function (form) {
      form.querySelectorAll("[data-picker]").forEach(function (picker) { setUpPicker(picker, form.dataset.searchUrl); });
    });
    var errors = document.getElementById("form-errors");
    if (errors) { errors.focus(); }
  });
})();
