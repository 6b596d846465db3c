/* The report form, improved when JavaScript runs: a map to place the pin, a category search, the
   category's questions and stopper notice at once, similar reports nearby, and a preview of photos.
   Without it the form does all of this in plain HTML (coordinates or address, two steps). */
(function () {
  "use strict";
  var form = document.querySelector("form.report-form");
  if (!form) { return; }
  var select = document.getElementById("id_category");
  var lat = document.getElementById("id_lat");
  var lon = document.getElementById("id_lon");
  var sendButton = document.getElementById("send-report");
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;

  function text(tag, content, className) {
    var element = document.createElement(tag);
    element.textContent = content;
    if (className) { element.className = className; }
    return element;
  }

  function parseNumber(value) {
    var cleaned = (value || "").replace(/\s/g, "").replace(",", ".");
    return /^[+-]?\d+(\.\d+)?$/.test(cleaned) ? Number(cleaned) : null;
  }

  // --- Category search over the select (which stays the real field) ---------------------------
  var finder = document.getElementById("category-finder");
  var categories = JSON.parse(finder.dataset.categories || "[]");
  var search = document.getElementById("category-search");
  var results = document.getElementById("category-results");
  finder.hidden = false;

  function normal(value) {
    return value.toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "");
  }

  search.addEventListener("input", function () {
    var words = normal(search.value).split(/\s+/).filter(Boolean);
    results.textContent = "";
    if (!words.length) { return; }
    var found = categories.filter(function (c) {
      var haystack = normal(c.path + " " + c.keywords);
      return words.every(function (w) { return haystack.indexOf(w) !== -1; });
    }).slice(0, 8);
    if (!found.length) {
      results.appendChild(text("li", finder.dataset.none || "–", "help"));
      return;
    }
    found.forEach(function (c) {
      var item = document.createElement("li");
      var button = text("button", c.path, "link-button");
      button.type = "button";
      button.addEventListener("click", function () {
        select.value = c.code;
        select.dispatchEvent(new Event("change"));
        results.textContent = "";
        search.value = "";
        select.focus();
      });
      item.appendChild(button);
      results.appendChild(item);
    });
  });

  // --- Stopper notice and questions of the chosen category ----------------------------------
  // With JavaScript the questions appear as soon as a category is chosen, not after sending.
  var questionsNote = document.getElementById("questions-note");
  if (questionsNote) { questionsNote.hidden = true; }
  var stopper = document.getElementById("stopper");
  var slot = document.getElementById("questions-slot");

  function chosen() {
    return categories.filter(function (c) { return c.code === select.value; })[0];
  }

  function categoryChanged() {
    var category = chosen();
    if (category && category.stopper) {
      stopper.textContent = category.stopper;
      stopper.hidden = false;
      sendButton.disabled = true;
    } else {
      stopper.hidden = true;
      stopper.textContent = "";
      sendButton.disabled = false;
    }
    var current = form.querySelector("input[name=shown_questions]");
    if (current && current.value === select.value) { return; }
    fetch(form.dataset.questionsUrl + "?category=" + encodeURIComponent(select.value))
      .then(function (response) { return response.ok ? response.text() : ""; })
      .then(function (html) { slot.innerHTML = html; });
    checkSimilar();
  }
  select.addEventListener("change", categoryChanged);
  if (select.value) {
    var initial = chosen();
    if (initial && initial.stopper) { categoryChanged(); }
  }

  // --- The map ------------------------------------------------------------------------------
  var mapElement = document.getElementById("report-map");
  var status = document.getElementById("map-status");
  var map = null, pin = null;
  if (window.Stadtlotse && mapElement) {
    mapElement.parentNode.hidden = false;
    map = window.Stadtlotse.baseMap(mapElement);

    var setFields = function (latlng) {
      lat.value = latlng.lat.toFixed(6);
      lon.value = latlng.lng.toFixed(6);
      status.textContent = (mapElement.dataset.placedLabel || "%s").replace("%s", lat.value + ", " + lon.value);
      checkSimilar();
    };
    var place = function (latlng, fromFields) {
      if (!pin) {
        pin = L.marker(latlng, { draggable: true, autoPan: true, alt: mapElement.dataset.pinLabel || "Pin", title: mapElement.dataset.pinLabel || "Pin" }).addTo(map);
        pin.on("dragend", function () { setFields(pin.getLatLng()); });
      } else {
        pin.setLatLng(latlng);
      }
      if (!fromFields) { setFields(pin.getLatLng()); }
    };
    map.on("click", function (event) { place(event.latlng); });

    var fromFields = function () {
      var a = parseNumber(lat.value), b = parseNumber(lon.value);
      if (a !== null && b !== null && Math.abs(a) <= 90 && Math.abs(b) <= 180) {
        place(L.latLng(a, b), true);
        map.setView([a, b], Math.max(map.getZoom(), 16));
        checkSimilar();
      }
    };
    lat.addEventListener("change", fromFields);
    lon.addEventListener("change", fromFields);
    fromFields();

    document.getElementById("pin-centre").addEventListener("click", function () { place(map.getCenter()); });
    var locate = document.getElementById("locate-me");
    if (!("geolocation" in navigator)) { locate.hidden = true; }
    locate.addEventListener("click", function () {
      status.textContent = mapElement.dataset.locatingLabel || "…";
      navigator.geolocation.getCurrentPosition(function (position) {
        var here = L.latLng(position.coords.latitude, position.coords.longitude);
        map.setView(here, 17);
        place(here);
      }, function () {
        status.textContent = mapElement.dataset.locateFailedLabel || "";
      }, { enableHighAccuracy: true, timeout: 15000 });
    });
  }

  // --- Similar reports nearby ---------------------------------------------------------------
  var similar = document.getElementById("similar-live");
  var similarTimer = null;

  function checkSimilar() {
    clearTimeout(similarTimer);
    similarTimer = setTimeout(loadSimilar, 300);
  }

  function loadSimilar() {
    var a = parseNumber(lat.value), b = parseNumber(lon.value);
    if (!select.value || a === null || b === null) { similar.hidden = true; return; }
    var url = form.dataset.similarUrl + "?" + new URLSearchParams({ category: select.value, lat: a, lon: b });
    fetch(url, { headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : { tickets: [] }; })
      .then(showSimilar);
  }

  function showSimilar(data) {
    similar.textContent = "";
    if (!data.tickets || !data.tickets.length) { similar.hidden = true; return; }
    similar.hidden = false;
    similar.className = "similar card";
    similar.appendChild(text("h2", similar.dataset.title || "?"));
    similar.appendChild(text("p", similar.dataset.intro || ""));
    var list = document.createElement("ul");
    list.className = "similar-list";
    data.tickets.forEach(function (ticket) {
      var item = document.createElement("li");
      if (ticket.thumbnail) {
        var image = document.createElement("img");
        image.src = ticket.thumbnail; image.alt = similar.dataset.photoLabel || ""; image.width = 80; image.height = 60;
        item.appendChild(image);
      }
      var body = document.createElement("div");
      var link = text("a", ticket.id, "ticket-id");
      link.href = ticket.url;
      body.appendChild(link);
      body.appendChild(document.createTextNode(" "));
      body.appendChild(text("span", ticket.status_label, "status status-" + ticket.status));
      body.appendChild(document.createTextNode(" " + ticket.category + " "));
      body.appendChild(text("span", (similar.dataset.distanceLabel || "%s m").replace("%s", ticket.distance), "help"));
      body.appendChild(text("p", ticket.description, "similar-description"));
      var button = text("button", (similar.dataset.supportLabel || "%s").replace("%s", ticket.id), "secondary");
      button.type = "button";
      button.addEventListener("click", function () {
        var body = new URLSearchParams({ email: document.getElementById("similar-email").value });
        fetch(ticket.support_url, {
          method: "POST", body: body,
          headers: { "X-CSRFToken": csrf, Accept: "application/json" }
        }).then(function (response) { return response.json(); }).then(function (answer) {
          var note = text("p", answer.message || answer.error, answer.error ? "errorlist" : "notice");
          note.setAttribute("role", "status");
          button.replaceWith(note);
        });
      });
      body.appendChild(button);
      item.appendChild(body);
      list.appendChild(item);
    });
    similar.appendChild(list);
    var emailField = document.createElement("div");
    emailField.className = "field";
    var label = text("label", similar.dataset.emailLabel || "E-mail");
    label.htmlFor = "similar-email";
    var input = document.createElement("input");
    input.type = "email"; input.id = "similar-email"; input.autocomplete = "email";
    // No name: it belongs to "support", not to the report.
    var contactEmail = document.getElementById("id_email");
    if (contactEmail) { input.value = contactEmail.value; }
    emailField.appendChild(label);
    emailField.appendChild(input);
    similar.appendChild(emailField);
    similar.appendChild(text("p", similar.dataset.continueLabel || ""));
  }

  // --- Where a photo was taken (EXIF GPS), offered, never applied unasked ------------------------
  function exifGps(buffer) {
    try {
      var view = new DataView(buffer);
      if (view.getUint16(0) !== 0xFFD8) { return null; }
      var offset = 2;
      while (offset + 10 < view.byteLength) {
        var marker = view.getUint16(offset);
        if ((marker & 0xFF00) !== 0xFF00) { return null; }
        if (marker === 0xFFE1 && view.getUint32(offset + 4) === 0x45786966) { return gpsFromTiff(view, offset + 10); }
        offset += 2 + view.getUint16(offset + 2);
      }
    } catch (error) { /* a damaged or unusual file: no position */ }
    return null;
  }

  function gpsFromTiff(view, start) {
    var little = view.getUint16(start) === 0x4949;
    var u16 = function (o) { return view.getUint16(start + o, little); };
    var u32 = function (o) { return view.getUint32(start + o, little); };
    var entries = function (ifd) {
      var list = [];
      for (var i = 0, n = u16(ifd); i < n && i < 200; i++) { list.push(ifd + 2 + i * 12); }
      return list;
    };
    var gps = null;
    entries(u32(4)).forEach(function (entry) { if (u16(entry) === 0x8825) { gps = u32(entry + 8); } });
    if (gps === null) { return null; }
    var tags = {};
    entries(gps).forEach(function (entry) {
      var tag = u16(entry);
      if (tag === 1 || tag === 3) { tags[tag] = String.fromCharCode(view.getUint8(start + entry + 8)); }
      if ((tag === 2 || tag === 4) && u16(entry + 2) === 5 && u32(entry + 4) === 3) {
        var at = u32(entry + 8), value = 0;
        for (var k = 0; k < 3; k++) { value += u32(at + 8 * k) / u32(at + 8 * k + 4) / Math.pow(60, k); }
        tags[tag] = value;
      }
    });
    if (!isFinite(tags[2]) || !isFinite(tags[4])) { return null; }
    return { lat: tags[1] === "S" ? -tags[2] : tags[2], lon: tags[3] === "W" ? -tags[4] : tags[4] };
  }

  var photoPlace = document.getElementById("photo-place");
  function offerPhotoPlace(files) {
    photoPlace.hidden = true;
    var jpegs = files.filter(function (file) { return file.type === "image/jpeg"; });
    if (!jpegs.length || !window.FileReader) { return; }
    var reader = new FileReader();
    reader.onload = function () {
      var place = exifGps(reader.result);
      if (!place) { return; }
      var button = document.getElementById("use-photo-place");
      var label = photoPlace.dataset.label.replace("%s", place.lat.toFixed(5) + ", " + place.lon.toFixed(5));
      button.textContent = label;
      button.onclick = function () {
        lat.value = place.lat.toFixed(6);
        lon.value = place.lon.toFixed(6);
        lat.dispatchEvent(new Event("change"));
        checkSimilar();
        photoPlace.hidden = true;
      };
      photoPlace.hidden = false;
    };
    // The EXIF block sits at the start of the file.
    reader.readAsArrayBuffer(jpegs[0].slice(0, 131072));
  }

  // --- Photo preview --------------------------------------------------------------------------
  var photos = document.getElementById("id_photos");
  var preview = document.getElementById("photo-preview");
  if (photos && preview && window.URL) {
    photos.addEventListener("change", function () {
      offerPhotoPlace(Array.from(photos.files));
      preview.textContent = "";
      Array.from(photos.files).forEach(function (file) {
        var item = document.createElement("li");
        if (/^image\/(jpeg|png|webp)$/.test(file.type)) {
          var image = document.createElement("img");
          image.src = URL.createObjectURL(file);
          image.alt = (preview.dataset.previewLabel || "%s").replace("%s", file.name);
          item.appendChild(image);
        }
        item.appendChild(text("span", file.name + " (" + Math.ceil(file.size / 1024) + " KB)"));
        preview.appendChild(item);
      });
    });
  }
})();
