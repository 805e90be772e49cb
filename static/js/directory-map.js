/* Directory map: Leaflet + markercluster fed by the compact GeoJSON endpoint, the result list
   beside it (kept in step with the map), the embeddable map; the structure mini-map; the pin a
   structure's author drags to adjust its position. No inline code: the page's CSP stays strict. */
(function () {
  "use strict";

  var KIND_CLASS = { p: "map-pin-person", s: "map-pin-structure", j: "map-pin-project" };

  function tiles(map, element) {
    var url = element.getAttribute("data-tiles-url");
    if (url) {
      L.tileLayer(url, { attribution: element.getAttribute("data-tiles-attribution") || "", maxZoom: 18 }).addTo(map);
    }
  }

  function readJSON(element, name) {
    var value = element && element.getAttribute(name);
    return value ? JSON.parse(value) : {};
  }

  // The legend (from the page) gives each kind its letter and each family its letter; a family
  // the legend does not know (or none) falls back to its kind's icon.
  var LEGEND = readJSON(document.getElementById("directory-map"), "data-legend");

  function familyOf(kind, family) {
    var entry = LEGEND[kind];
    if (!entry || !family) { return null; }
    for (var i = 0; i < entry.families.length; i++) {
      if (entry.families[i][0] === family) { return entry.families[i]; }
    }
    return null;
  }

  function pinClass(kind, family) {
    var known = familyOf(kind, family);
    return "map-pin " + (KIND_CLASS[kind] || KIND_CLASS.p) + (known ? " map-pin-" + kind + "-" + family : "");
  }

  function pinLetter(kind, family) {
    var known = familyOf(kind, family);
    if (known) { return known[1]; }
    return LEGEND[kind] ? LEGEND[kind].letter : (kind === "s" ? "S" : "P");
  }

  var iconCache = {};
  function icon(kind, family) {
    var key = kind + (familyOf(kind, family) ? family : "");
    if (!iconCache[key]) {
      iconCache[key] = L.divIcon({
        className: pinClass(kind, family),
        html: "<span>" + pinLetter(kind, family) + "</span>",
        iconSize: [24, 24],
        iconAnchor: [12, 12],
        popupAnchor: [0, -12]
      });
    }
    return iconCache[key];
  }

  function el(tag, className, value) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (value !== undefined && value !== null) { node.textContent = value; }
    return node;
  }

  function legendPin(kind, family) {
    var pin = el("span", pinClass(kind, family) + " legend-pin");
    pin.setAttribute("aria-hidden", "true");
    pin.appendChild(el("span", null, pinLetter(kind, family)));
    return pin;
  }

  function setupDirectoryMap(element) {
    var embed = element.getAttribute("data-embed") === "true";
    var status = document.getElementById("map-status");
    var anchors = readJSON(element, "data-glossary");
    var listPanel = document.getElementById("map-list-panel");
    var filtersBox = document.getElementById("map-filters");
    var mapUrl = element.getAttribute("data-map-url");
    var geojsonBase = element.getAttribute("data-geojson-url").split("?")[0];
    var query = (element.getAttribute("data-geojson-url").split("?")[1] || "");
    // An embedded map always shows the public view: no credentials go with its requests.
    var credentials = embed ? "omit" : "same-origin";
    function say(message) { if (status) { status.textContent = message; } }

    // Persons sit at commune centroids: street-level zooms would add clustering work for nothing.
    var map = L.map(element, { preferCanvas: true, minZoom: 5, maxZoom: 15 }).setView([43.7, 2.4], 7);
    tiles(map, element);

    var cluster = L.markerClusterGroup({
      chunkedLoading: true,
      chunkInterval: 250,
      chunkDelay: 5,
      showCoverageOnHover: false,
      maxClusterRadius: 60,
      chunkProgress: function (processed, total) {
        if (pendingReady && processed === total) { ready(); }
      }
    });
    map.addLayer(cluster);

    var layers = { p: [], s: [], j: [] };   // markers by kind (the legend's layer switches)
    var hidden = {};                          // kinds switched off
    var byKey = {};                           // "p12" -> marker
    var markersTotal = 0;
    var pendingReady = false;

    function ready() {
      pendingReady = false;
      performance.mark("map-clusters-ready");
      say((element.getAttribute("data-label-done") || "").replace("__N__", markersTotal.toLocaleString("fr-FR")));
      // Painted: tell the page (and the benchmark) once the browser has drawn the clusters.
      window.requestAnimationFrame(function () {
        element.setAttribute("data-ready", String(markersTotal));
        document.body.setAttribute("data-map-ready-at", String(Math.round(performance.now())));
        document.body.setAttribute("data-map-ready", String(markersTotal));
      });
    }

    // --- Legend and layer switches -----------------------------------------------------------------
    var legend = L.control({ position: "bottomleft" });
    legend.onAdd = function () {
      var box = L.DomUtil.create("details", "map-legend");
      // Open where the map has room for it; a click away otherwise.
      box.open = window.matchMedia("(min-width: 1400px) and (min-height: 800px)").matches;
      box.appendChild(el("summary", "map-legend-title", element.getAttribute("data-label-legend")));
      Object.keys(LEGEND).forEach(function (kind) {
        var entry = LEGEND[kind];
        var group = el("div", "map-legend-group");
        group.setAttribute("data-kind", kind);
        var label = el("label", "map-legend-layer");
        var box2 = el("input");
        box2.type = "checkbox";
        box2.checked = true;
        box2.setAttribute("data-layer", kind);
        label.appendChild(box2);
        label.appendChild(legendPin(kind, null));
        label.appendChild(el("span", null, entry.label));
        group.appendChild(label);
        var list = el("ul", "map-legend-families");
        entry.families.forEach(function (family) {
          var item = el("li");
          item.appendChild(legendPin(kind, family[0]));
          item.appendChild(el("span", null, family[2]));
          list.appendChild(item);
        });
        group.appendChild(list);
        box.appendChild(group);
      });
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      box.addEventListener("change", function (event) {
        var kind = event.target.getAttribute("data-layer");
        if (!kind) { return; }
        hidden[kind] = !event.target.checked;
        if (hidden[kind]) { cluster.removeLayers(layers[kind]); } else { cluster.addLayers(layers[kind]); }
      });
      return box;
    };
    legend.addTo(map);

    function showLegendKinds() {
      // Only the kinds present in the results get a switch (projects appear once some exist).
      element.querySelectorAll(".map-legend-group").forEach(function (group) {
        group.hidden = layers[group.getAttribute("data-kind")].length === 0;
      });
    }

    // --- Points ------------------------------------------------------------------------------------
    var loading = null;
    function loadPoints(currentQuery, fit) {
      say(element.getAttribute("data-label-loading"));
      if (loading) { loading.abort(); }
      loading = new AbortController();
      return fetch(geojsonBase + (currentQuery ? "?" + currentQuery : ""), {
        headers: { Accept: "application/geo+json" }, credentials: credentials, signal: loading.signal
      })
        .then(function (response) {
          if (!response.ok) { throw new Error(response.status); }
          return response.json();
        })
        .then(function (data) {
          performance.mark("map-geojson-loaded");
          cluster.clearLayers();
          map.closePopup();
          layers = { p: [], s: [], j: [] };
          byKey = {};
          var bounds = L.latLngBounds([]);
          var shown = [];
          data.features.forEach(function (feature) {
            var c = feature.geometry.coordinates;
            var props = feature.properties;
            var kind = layers[props.k] ? props.k : "p";
            var latlng = L.latLng(c[1], c[0]);
            bounds.extend(latlng);
            var title = LEGEND[kind] ? LEGEND[kind].one : "";
            var marker = L.marker(latlng, { icon: icon(kind, props.f), title: title, keyboard: false });
            marker.actor = props;
            marker.kind = kind;
            layers[kind].push(marker);
            byKey[kind + props.id] = marker;
            if (!hidden[kind]) { shown.push(marker); }
          });
          markersTotal = data.features.length;
          performance.mark("map-markers-created");
          showLegendKinds();
          if (fit && markersTotal) {
            // Not animated: the first picture is final (the browser tests click markers at once).
            map.fitBounds(bounds, { maxZoom: 11, padding: [24, 24], animate: false });
          }
          if (shown.length) {
            pendingReady = true;
            cluster.addLayers(shown);  // chunkProgress calls ready() once all are placed
          } else {
            ready();
          }
        })
        .catch(function (error) {
          if (error && error.name === "AbortError") { return; }
          say(element.getAttribute("data-label-error"));
          document.body.setAttribute("data-map-ready", "error");
        });
    }

    // --- Popups ------------------------------------------------------------------------------------
    function detailUrl(actor, kind) {
      var attribute = { p: "data-person-url", s: "data-structure-url", j: "data-project-url" }[kind];
      var base = element.getAttribute(attribute) || "";
      return base ? base.replace(/0\/?$/, actor.id + "/") : "";
    }

    function link(text, href, className) {
      var a = el("a", className, text);
      a.href = href;
      if (embed) {
        a.target = "_blank";
        a.rel = "noopener";
        a.appendChild(el("span", "visually-hidden", " " + element.getAttribute("data-label-new-tab")));
      }
      return a;
    }

    function fillPopup(box, kind, detail) {
      box.replaceChildren();
      box.appendChild(el("p", "actor-kind", LEGEND[kind] ? LEGEND[kind].one : ""));
      var title = el("p", "map-popup-title");
      title.appendChild(link(detail.title, detail.url));
      box.appendChild(title);
      if (detail.subtitle) {
        // Actor profiles link to their definition in the lexicon, as on the cards.
        var subtitle = el("p", "map-popup-subtitle");
        detail.subtitle.split(" · ").forEach(function (label, index) {
          if (index) { subtitle.appendChild(document.createTextNode(" · ")); }
          subtitle.appendChild(anchors[label] ? link(label, anchors[label], "profile-link") : document.createTextNode(label));
        });
        box.appendChild(subtitle);
      }
      if (detail.place) { box.appendChild(el("p", "map-popup-place", detail.place)); }
      if (detail.badges && detail.badges.length) {
        var tags = el("ul", "map-popup-badges");
        detail.badges.forEach(function (badge) {
          var item = el("li", "tag tag-badge");
          if (anchors[badge]) { item.appendChild(link(badge, anchors[badge])); } else { item.textContent = badge; }
          tags.appendChild(item);
        });
        box.appendChild(tags);
      }
      var more = el("p", "map-popup-more");
      more.appendChild(link(element.getAttribute("data-label-open"), detail.url, "btn btn-sm btn-primary"));
      box.appendChild(more);
    }

    function openPopup(marker) {
      var kind = marker.kind;
      var box = el("div", "map-popup");
      box.appendChild(el("p", "actor-kind", LEGEND[kind] ? LEGEND[kind].one : ""));
      box.appendChild(el("p", "map-popup-loading", element.getAttribute("data-label-popup-loading")));
      var popup = L.popup({ minWidth: 220, maxWidth: 300, autoPanPadding: [24, 24] })
        .setLatLng(marker.getLatLng()).setContent(box).openOn(map);
      var url = detailUrl(marker.actor, kind);
      if (!url) {
        box.lastChild.textContent = element.getAttribute("data-label-popup-error");
        return;
      }
      fetch(url, { headers: { Accept: "application/json" }, credentials: credentials })
        .then(function (response) {
          if (!response.ok) { throw new Error(response.status); }
          return response.json();
        })
        .then(function (detail) {
          fillPopup(box, kind, detail);
          popup.update();
        })
        .catch(function () {
          box.lastChild.textContent = element.getAttribute("data-label-popup-error");
        });
    }

    cluster.on("click", function (event) {
      openPopup(event.layer);
      showCard(event.layer);
    });

    // --- The list beside the map -------------------------------------------------------------------
    var lit = null;
    function highlight(key, on) {
      if (lit) { lit.classList.remove("is-highlighted"); lit = null; }
      var marker = byKey[key];
      if (!on || !marker || !cluster.hasLayer(marker)) { return; }
      // A marker inside a cluster: the cluster lights up.
      var shown = cluster.getVisibleParent(marker);
      var node = shown && (shown.getElement ? shown.getElement() : shown._icon);
      if (node) {
        node.classList.add("is-highlighted");
        lit = node;
      }
    }

    var selectedKey = null;
    function showCard(marker) {
      selectedKey = marker.kind + marker.actor.id;
      if (!listPanel) { return; }
      listPanel.querySelectorAll(".map-card.is-current").forEach(function (card) { card.classList.remove("is-current"); });
      var card = listPanel.querySelector('.map-card[data-marker="' + selectedKey + '"]');
      if (card) {
        card.classList.add("is-current");
        card.scrollIntoView({ block: "nearest" });
      }
    }

    var listRequest = null;
    var listTimer = null;
    function bbox() {
      var b = map.getBounds();
      function clamp(value, limit) { return Math.max(-limit, Math.min(limit, value)).toFixed(4); }
      return [clamp(b.getWest(), 180), clamp(b.getSouth(), 90), clamp(b.getEast(), 180), clamp(b.getNorth(), 90)].join(",");
    }

    // The list for the current filters inside the map's box; with the filters' panel when they changed.
    function loadList(options) {
      if (!listPanel) { return Promise.resolve(); }
      options = options || {};
      var params = new URLSearchParams(query);
      params.set("bbox", bbox());
      if (options.page) { params.set("page", options.page); }
      if (listRequest) { listRequest.abort(); }
      listRequest = new AbortController();
      var headers = { "HX-Request": "true", "HX-Current-URL": window.location.href };
      if (options.filters) { headers["X-Map-Refresh"] = "filtres"; }
      listPanel.setAttribute("aria-busy", "true");
      return fetch(mapUrl + "?" + params.toString(), { headers: headers, credentials: credentials, signal: listRequest.signal })
        .then(function (response) {
          if (!response.ok) { throw new Error(response.status); }
          return response.text();
        })
        .then(function (html) {
          var fragment = new DOMParser().parseFromString(html, "text/html");
          var list = fragment.getElementById("map-list");
          var current = document.getElementById("map-list");
          if (list && current) { current.replaceWith(document.adoptNode(list)); }
          var update = fragment.getElementById("map-filters-update");
          if (update && filtersBox) { refreshFilters(update); }
          listPanel.removeAttribute("aria-busy");
          if (options.page) { listPanel.scrollTop = 0; }
          if (selectedKey) {
            var card = listPanel.querySelector('.map-card[data-marker="' + selectedKey + '"]');
            if (card) { card.classList.add("is-current"); }
          }
        })
        .catch(function (error) {
          if (error && error.name === "AbortError") { return; }
          listPanel.removeAttribute("aria-busy");
        });
    }

    function scheduleList() {
      window.clearTimeout(listTimer);
      listTimer = window.setTimeout(loadList, 350);
    }

    if (listPanel) {
      listPanel.addEventListener("mouseover", function (event) {
        var card = event.target.closest(".map-card");
        if (card) { highlight(card.getAttribute("data-marker"), true); }
      });
      listPanel.addEventListener("mouseleave", function () { highlight(null, false); });
      listPanel.addEventListener("focusin", function (event) {
        var card = event.target.closest(".map-card");
        highlight(card ? card.getAttribute("data-marker") : null, Boolean(card));
      });
      listPanel.addEventListener("focusout", function () { highlight(null, false); });
      // Pages of the list stay beside the map (same box, same filters).
      listPanel.addEventListener("click", function (event) {
        var anchor = event.target.closest(".pagination a");
        if (!anchor) { return; }
        var page = new URL(anchor.href, window.location.href).searchParams.get("page");
        if (page) {
          event.preventDefault();
          loadList({ page: page });
        }
      });
    }

    // --- Filters without a page load (the address follows, so it can be shared) --------------------
    function refreshFilters(update) {
      var form = filtersBox.querySelector("form");
      var fresh = update.querySelector("form");
      if (!form || !fresh) { return; }
      if (fresh.querySelector(".error-summary")) {
        // Refused filters: the panel with its messages replaces the old one.
        form.replaceWith(document.adoptNode(fresh));
        return;
      }
      // Otherwise only the counts change: the form keeps its state, focus and listeners.
      fresh.querySelectorAll("label[for]").forEach(function (label) {
        var count = label.querySelector(".facet-count");
        var old = form.querySelector('label[for="' + label.getAttribute("for") + '"] .facet-count');
        if (count && old) { old.replaceWith(document.adoptNode(count)); }
      });
      var summary = form.querySelector(".filters-summary");
      var freshSummary = fresh.querySelector(".filters-summary");
      if (summary && freshSummary) { summary.replaceWith(document.adoptNode(freshSummary)); }
    }

    function formQuery(form) {
      var params = new URLSearchParams();
      new FormData(form).forEach(function (value, key) {
        if (String(value).trim() !== "") { params.append(key, value); }
      });
      return params.toString();
    }

    function followQuery() {
      // The view switch, the embed snippet and its preview carry the current filters.
      document.querySelectorAll(".view-switch a").forEach(function (a) {
        var url = new URL(a.href, window.location.href);
        a.setAttribute("href", url.pathname + (query ? "?" + query : ""));
      });
      var code = document.getElementById("map-embed-code");
      if (code) {
        var src = code.getAttribute("data-embed-base") + (query ? "?" + query : "");
        var frame = document.createElement("iframe");
        frame.setAttribute("src", src);
        frame.setAttribute("title", code.getAttribute("data-embed-title"));
        frame.setAttribute("width", "100%");
        frame.setAttribute("height", "520");
        frame.setAttribute("loading", "lazy");
        code.value = frame.outerHTML;
        var preview = document.querySelector("#map-embed a[target]");
        if (preview) { preview.href = src; }
      }
    }

    function applyFilters(form) {
      query = formQuery(form);
      window.history.pushState({ mapQuery: query }, "", mapUrl + (query ? "?" + query : ""));
      watchHistory();
      followQuery();
      loadPoints(query, true).then(function () { loadList({ filters: true }); });
    }

    var watching = false;
    function watchHistory() {
      if (watching) { return; }
      watching = true;
      // Back and forward show the filters of that address (the page is rebuilt from it).
      window.addEventListener("popstate", function () { window.location.reload(); });
    }

    if (filtersBox) {
      // Folded at first (the map needs the room) unless some were refused: the chips show the others.
      var panel = filtersBox.querySelector("details.filters-toggle");
      if (panel && !panel.querySelector(".error-summary")) { panel.open = false; }
      // Captured here, before the directory's own handlers (which load a whole new page).
      filtersBox.addEventListener("change", function (event) {
        var form = event.target.closest("form");
        if (form && event.target.matches("input[type=checkbox], select")) {
          event.stopPropagation();
          applyFilters(form);
        }
      }, true);
      filtersBox.addEventListener("submit", function (event) {
        event.preventDefault();
        event.stopPropagation();
        applyFilters(event.target);
      }, true);
    }

    // --- Phone: « Liste » / « Carte » tabs ---------------------------------------------------------
    var tabs = Array.prototype.slice.call(document.querySelectorAll(".map-tabs [role=tab]"));
    function selectTab(tab, focus) {
      tabs.forEach(function (other) {
        var on = other === tab;
        other.setAttribute("aria-selected", on ? "true" : "false");
        other.tabIndex = on ? 0 : -1;
        document.getElementById(other.getAttribute("aria-controls")).classList.toggle("is-active", on);
      });
      if (focus) { tab.focus(); }
      map.invalidateSize();
    }
    tabs.forEach(function (tab, index) {
      tab.addEventListener("click", function () { selectTab(tab, false); });
      tab.addEventListener("keydown", function (event) {
        var next = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: tabs.length - 1 }[event.key];
        if (next === undefined) { return; }
        event.preventDefault();
        selectTab(tabs[(next + tabs.length) % tabs.length], true);
      });
    });

    // --- First picture, then the list follows the map ------------------------------------------------
    loadPoints(query, true).then(function () {
      map.on("moveend", scheduleList);
      // The list shown with the page is the whole result; from the first move on, the map's box.
    });
  }

  // The embed snippet's copy button.
  document.querySelectorAll("[data-copy-target]").forEach(function (button) {
    button.addEventListener("click", function () {
      var source = document.getElementById(button.getAttribute("data-copy-target"));
      var message = document.getElementById("map-embed-copied");
      function manual() {
        source.focus();
        source.select();
        if (message) { message.textContent = message.getAttribute("data-label-manual"); }
      }
      if (!navigator.clipboard) { manual(); return; }
      navigator.clipboard.writeText(source.value).then(function () {
        if (message) { message.textContent = message.getAttribute("data-label-done"); }
      }, manual);
    });
  });

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
