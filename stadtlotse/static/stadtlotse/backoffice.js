// Back office enhancements; every page works without them.
// - Text templates: choosing one copies its text into the field, where it can still be edited.
// - Keyboard shortcuts (not while typing): / search, j/k next/previous ticket in a list,
//   Enter opens it; on a ticket: c classify, f forward, n note, m moderate, a accept,
//   r resolve, u follow-up, d mark duplicate. The keys are announced with aria-keyshortcuts.
// - "Select all" for bulk actions.
(function () {
  "use strict";

  document.querySelectorAll("select[data-templates]").forEach(function (select) {
    var data = document.getElementById(select.dataset.templates);
    var target = document.getElementById(select.dataset.target);
    if (!data || !target) return;
    var texts = JSON.parse(data.textContent);
    var lastInserted = "";
    select.addEventListener("change", function () {
      var text = texts[select.value];
      // Never overwrite what someone typed themselves.
      if (text && (target.value.trim() === "" || target.value === lastInserted)) {
        target.value = text;
        lastInserted = text;
      }
    });
  });

  var ACTIONS = { c: "classify", f: "forward", n: "add_note", m: "moderate", a: "accept", r: "resolve",
                  u: "follow_up", d: "mark_duplicate" };
  Object.keys(ACTIONS).forEach(function (key) {
    var form = document.querySelector('form[action$="/' + ACTIONS[key] + '"]');
    var summary = form && form.closest("details") && form.closest("details").querySelector("summary");
    if (summary) summary.setAttribute("aria-keyshortcuts", key);
  });

  function typing(element) {
    return element && (element.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(element.tagName));
  }

  var rows = Array.prototype.slice.call(document.querySelectorAll("table.tickets tbody a.ticket-id"));
  var current = -1;

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    var key = event.key;
    if (key === "/") {
      var search = document.getElementById("id_q");
      if (search) { event.preventDefault(); search.focus(); }
      return;
    }
    if ((key === "j" || key === "k") && rows.length) {
      event.preventDefault();
      current = key === "j" ? Math.min(current + 1, rows.length - 1) : Math.max(current - 1, 0);
      rows[current].focus();
      return;
    }
    if (ACTIONS[key]) {
      var form = document.querySelector('form[action$="/' + ACTIONS[key] + '"]');
      if (!form) return;
      event.preventDefault();
      var details = form.closest("details");
      if (details) details.open = true;
      var field = form.querySelector("input:not([type=hidden]), select, textarea");
      if (field) field.focus();
    }
  });

  var all = document.getElementById("select-all");
  if (all) {
    all.hidden = false;
    all.addEventListener("change", function () {
      document.querySelectorAll('input[name="tickets"]').forEach(function (box) { box.checked = all.checked; });
    });
  }
})();
