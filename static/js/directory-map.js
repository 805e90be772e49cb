/* Directory map: Leaflet + markercluster fed by the compact GeoJSON endpoint; the structure
   mini-map; the pin a structure's author drags to adjust its position. */
(function () {
  "use strict";

  function tiles(map, element) {
    var url = element.getAttribute("data-tiles-url");
    if (url) {
      L.tileLayer(url, { attribution: element.getAttribute("data-tiles-attribution") || "", maxZoom: 18 }).addTo(map);
    }
  }

  function icon(kind) {
    var isStructure = kind === "s";
    return L.divIcon({
      className: "map-pin " + (isStructure ? "map-pin-structure" : "map-pin-person"),
      html: isStructure ? "<span>S</span>" : "<span>P</span>",
      iconSize: [22, 22],
      iconAnchor: [11, 11],
      popupAnchor: [0, -10]
    });
  }

  function text(tag, value, className) {
    var node = document.createElement(tag);
    node.textContent = value;
    if (className) { node.className = className; }
    return node;
  }

  function setupDirectoryMap(element) {
    var status = document.getElementById("map-status");
    var labels = {
      p: element.getAttribute("data-label-person"),
      s: element.getAttribute("data-label-structure")
    };
    // Persons sit at commune centroids: street-level zooms would add clustering work for nothing.
    // At the deepest zoom, actors of one commune open as a spider on click.
    var map = L.map(element, { preferCanvas: true, minZoom: 6, maxZoom: 14 }).setView([43.7, 2.4], 7);
    tiles(map, element);
    var legend = L.control({ position: "bottomleft" });
    legend.onAdd = function () {
      var box = L.DomUtil.create("div", "map-legend");
      box.innerHTML = '<span class="map-pin map-pin-person legend-pin"><span>P</span></span> ' + labels.p +
        ' <span class="map-pin map-pin-structure legend-pin"><span>S</span></span> ' + labels.s;
      return box;
    };
    legend.addTo(map);
    status.textContent = element.getAttribute("data-label-loading");
    var markersTotal = 0;
    function ready() {
      performance.mark("map-clusters-ready");
      status.textContent = (element.getAttribute("data-label-done") || "").replace("__N__", markersTotal.toLocaleString("fr-FR"));
      // Painted: tell the page (and the benchmark) once the browser has drawn the clusters.
      window.requestAnimationFrame(function () {
        element.setAttribute("data-ready", String(markersTotal));
        document.body.setAttribute("data-map-ready-at", String(Math.round(performance.now())));
        document.body.setAttribute("data-map-ready", String(markersTotal));
      });
    }
    var cluster = L.markerClusterGroup({
      chunkedLoading: true,
      chunkInterval: 250,
      chunkDelay: 5,
      showCoverageOnHover: false,
      maxClusterRadius: 60,
      chunkProgress: function (processed, total) {
        if (markersTotal && processed === total) { ready(); }
      }
    });
    map.addLayer(cluster);
    var icons = { p: icon("p"), s: icon("s") };
    fetch(element.getAttribute("data-geojson-url"), { headers: { Accept: "application/geo+json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(response.status); }
        return response.json();
      })
      .then(function (data) {
        performance.mark("map-geojson-loaded");
        var bounds = L.latLngBounds([]);
        var markers = data.features.map(function (feature) {
          var c = feature.geometry.coordinates;
          var latlng = L.latLng(c[1], c[0]);
          bounds.extend(latlng);
          var marker = L.marker(latlng, { icon: icons[feature.properties.k], title: labels[feature.properties.k], keyboard: false });
          marker.actor = feature.properties;
          return marker;
        });
        markersTotal = markers.length;
        performance.mark("map-markers-created");
        if (markers.length) {
          map.fitBounds(bounds, { maxZoom: 11, padding: [20, 20], animate: false });
          cluster.addLayers(markers);
        } else {
          ready();
        }
      })
      .catch(function () {
        status.textContent = element.getAttribute("data-label-error");
        document.body.setAttribute("data-map-ready", "error");
      });

    cluster.on("click", function (event) {
      var actor = event.layer.actor;
      var base = actor.k === "s" ? element.getAttribute("data-structure-url") : element.getAttribute("data-person-url");
      var url = base.replace(/0\/?$/, actor.id + "/");
      var popup = L.popup().setLatLng(event.layer.getLatLng()).setContent("…").openOn(map);
      fetch(url, { headers: { Accept: "application/json" } })
        .then(function (response) { return response.json(); })
        .then(function (detail) {
          var box = document.createElement("div");
          box.className = "map-popup";
          box.appendChild(text("p", labels[actor.k], "actor-kind mb-1"));
          box.appendChild(text("p", detail.title, "fw-bold mb-1"));
          if (detail.subtitle) { box.appendChild(text("p", detail.subtitle, "small mb-1")); }
          if (detail.place) { box.appendChild(text("p", detail.place, "small mb-1")); }
          (detail.badges || []).forEach(function (badge) { box.appendChild(text("p", badge, "tag tag-badge mb-1")); });
          var link = text("a", element.getAttribute("data-label-open"));
          link.href = detail.url;
          box.appendChild(link);
          popup.setContent(box);
        });
    });
  }

  function setupMiniMap(element) {
    var position = [parseFloat(element.getAttribute("data-lat")), parseFloat(element.getAttribute("data-lng"))];
    // A picture of the place (role="img"): nothing inside it takes the focus or the pointer.
    // The tiles' attribution is printed under the picture by the page.
    var map = L.map(element, {
      zoomControl: false,
      attributionControl: false,
      keyboard: false,
      dragging: false,
      touchZoom: false,
      doubleClickZoom: false,
      scrollWheelZoom: false,
      boxZoom: false,
    }).setView(position, 13);
    tiles(map, element);
    L.marker(position, { icon: icon("s"), keyboard: false, interactive: false }).addTo(map);
  }

  // Registration: drag the pin to adjust the structure's position (writes the hidden inputs).
  function setupPositionPicker(element) {
    var lat = document.getElementById(element.getAttribute("data-lat-input"));
    var lng = document.getElementById(element.getAttribute("data-lng-input"));
    var position = [parseFloat(lat.value), parseFloat(lng.value)];
    var map = L.map(element).setView(position, 15);
    tiles(map, element);
    var marker = L.marker(position, { draggable: true, icon: icon("s"), title: element.getAttribute("data-label-pin") }).addTo(map);
    function write(latlng) {
      lat.value = latlng.lat.toFixed(6);
      lng.value = latlng.lng.toFixed(6);
    }
    marker.on("dragend", function () { write(marker.getLatLng()); });
    map.on("click", function (event) { marker.setLatLng(event.latlng); write(event.latlng); });
  }

  document.querySelectorAll("#directory-map").forEach(setupDirectoryMap);
  document.querySelectorAll("#structure-minimap").forEach(setupMiniMap);
  document.querySelectorAll("[data-position-picker]").forEach(setupPositionPicker);
})();
