/* Stadtlotse maps (Leaflet): shared set-up, the small map on a ticket page and the public map /karte.
   Every map is an addition: the page works without it (coordinates, addresses and the list view). */
(function () {
  "use strict";
  if (typeof L === "undefined") { return; }

  var STATUS_COLOURS = {
    new: "#8a4b00", needs_info: "#6f2da8", forwarded: "#0b5cad", accepted: "#0b5cad",
    in_progress: "#0b5cad", done: "#1d6b34", rejected: "#4a5360", duplicate: "#4a5360"
  };

  function baseMap(element, options) {
    element.hidden = false;
    var centre = (element.dataset.center || "52.52,13.405").split(",").map(Number);
    var map = L.map(element, Object.assign({ center: centre, zoom: Number(element.dataset.zoom || 11) }, options || {}));
    L.tileLayer(element.dataset.tileUrl, { attribution: element.dataset.attribution, maxZoom: 19 }).addTo(map);
    return map;
  }

  function statusMarker(latlng, status) {
    var colour = STATUS_COLOURS[status] || "#0b5cad";
    return L.circleMarker(latlng, { radius: 8, color: "#fff", weight: 2, fillColor: colour, fillOpacity: 1 });
  }

  window.Stadtlotse = { baseMap: baseMap, statusMarker: statusMarker, STATUS_COLOURS: STATUS_COLOURS };

  // The ticket page: where, roughly (the page rounds the position; the exact one is not public).
  var ticketMap = document.getElementById("ticket-map");
  if (ticketMap) {
    var latlng = [Number(ticketMap.dataset.lat), Number(ticketMap.dataset.lon)];
    var small = baseMap(ticketMap, { center: latlng, zoom: 16, scrollWheelZoom: false });
    statusMarker(latlng, ticketMap.dataset.status).addTo(small);
  }

  // The public map: GeoJSON for the visible box and the filters of the form above it.
  var publicMap = document.getElementById("public-map");
  if (publicMap) {
    var map = baseMap(publicMap);
    var layer = L.layerGroup().addTo(map);
    var status = document.getElementById("map-status");
    var filters = document.getElementById("map-filters");
    var pending = null;

    function filterQuery() {
      var params = new URLSearchParams(new FormData(filters));
      params.delete("sort");
      Array.from(params.keys()).forEach(function (key) { if (!params.get(key)) { params.delete(key); } });
      return params;
    }

    function load() {
      var params = filterQuery();
      params.set("bbox", map.getBounds().toBBoxString());
      if (pending) { pending.abort(); }
      pending = new AbortController();
      fetch(publicMap.dataset.geojsonUrl + "?" + params.toString(), { signal: pending.signal, headers: { Accept: "application/geo+json" } })
        // A refused answer (429: the map was moved too often) keeps the markers shown and says so.
        .then(function (response) { if (!response.ok) { throw new Error(String(response.status)); } return response.json(); })
        .then(function (data) {
          layer.clearLayers();
          var count = 0;
          (data.features || []).forEach(function (feature) {
            var c = feature.geometry.coordinates, p = feature.properties, ll = [c[1], c[0]];
            if (p.cluster) {
              count += p.count;
              var size = p.count < 10 ? 30 : p.count < 100 ? 36 : 44;
              L.marker(ll, {
                icon: L.divIcon({ className: "cluster", html: "<span>" + p.count + "</span>", iconSize: [size, size] }),
                title: publicMap.dataset.clusterLabel ? publicMap.dataset.clusterLabel.replace("%s", p.count) : String(p.count),
                alt: String(p.count)
              }).on("click", function () { map.setView(ll, Math.min(map.getZoom() + 2, 18)); }).addTo(layer);
            } else {
              count += 1;
              var marker = statusMarker(ll, p.status);
              var popup = document.createElement("div");
              var link = document.createElement("a");
              link.href = p.url; link.textContent = p.id;
              var text = document.createElement("p");
              text.textContent = p.category + " – " + p.status_label;
              popup.appendChild(link); popup.appendChild(text);
              marker.bindPopup(popup).addTo(layer);
            }
          });
          if (status) { status.textContent = (publicMap.dataset.countLabel || "%s").replace("%s", count); }
        })
        .catch(function (error) { if (error.name !== "AbortError" && status) { status.textContent = publicMap.dataset.errorLabel || "Error"; } });
    }

    map.on("moveend", load);
    load();
  }
})();
