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

// Manual redaction: drag a rectangle over the photo to fill in x/y/width/height (pixels of the
// original). The number fields stay the way to do it by keyboard; the server does the blurring.
(function () {
  document.querySelectorAll("img[data-redaction-for]").forEach(function (image) {
    var form = document.getElementById(image.dataset.redactionFor);
    if (!form) return;
    var box = document.createElement("div");
    box.className = "redaction-box";
    box.hidden = true;
    image.parentNode.appendChild(box);
    var start = null;

    function point(event) {
      var rect = image.getBoundingClientRect();
      return {
        x: Math.max(0, Math.min(event.clientX - rect.left, rect.width)),
        y: Math.max(0, Math.min(event.clientY - rect.top, rect.height)),
      };
    }
    function show(a, b) {
      var left = Math.min(a.x, b.x), top = Math.min(a.y, b.y);
      var width = Math.abs(a.x - b.x), height = Math.abs(a.y - b.y);
      box.hidden = false;
      box.style.left = image.offsetLeft + left + "px";
      box.style.top = image.offsetTop + top + "px";
      box.style.width = width + "px";
      box.style.height = height + "px";
      var scale = image.naturalWidth / image.getBoundingClientRect().width;
      form.elements.x.value = Math.round(left * scale);
      form.elements.y.value = Math.round(top * scale);
      form.elements.w.value = Math.max(1, Math.round(width * scale));
      form.elements.h.value = Math.max(1, Math.round(height * scale));
    }
    image.addEventListener("pointerdown", function (event) {
      event.preventDefault();
      start = point(event);
      image.setPointerCapture(event.pointerId);
    });
    image.addEventListener("pointermove", function (event) { if (start) show(start, point(event)); });
    image.addEventListener("pointerup", function (event) {
      if (start) show(start, point(event));
      start = null;
    });
    image.draggable = false;
  });
})();
