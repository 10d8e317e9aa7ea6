// The checks map (templates/checks/map.html): Leaflet, tiles from MAP_TILE_URL, one marker per
// check of the list under the map, including the rows "Load more" adds. If the tiles cannot
// load, the markers and the list still work.
(() => {
  "use strict";

  function marker(item) {
    const popup = document.createElement("div");
    const link = document.createElement("a");
    link.href = item.dataset.url;
    link.textContent = item.dataset.label;
    popup.append(link);
    if (item.dataset.positionNote) {
      // The check's address could not be placed: its first visit's GPS fix placed it.
      const note = document.createElement("p");
      note.className = "muted";
      note.textContent = item.dataset.positionNote;
      popup.append(note);
    }
    const position = [Number(item.dataset.lat), Number(item.dataset.lon)];
    return window.L.marker(position, { title: item.dataset.label, alt: item.dataset.label })
      .bindPopup(popup);
  }

  // Markers for the rows not on the map yet; how many were added.
  function addMarkers(group) {
    const rows = [...document.querySelectorAll("[data-check-marker]:not([data-on-map])")];
    for (const row of rows) {
      row.dataset.onMap = "";
      group.addLayer(marker(row));
    }
    return rows.length;
  }

  function showAll(map, group) {
    map.fitBounds(group.getBounds(), { padding: [24, 24], maxZoom: 16 });
  }

  document.addEventListener("DOMContentLoaded", () => {
    const element = document.getElementById("check-map");
    if (!element || !window.L) return;
    element.querySelector("[data-map-fallback]")?.remove();
    const map = window.L.map(element, { scrollWheelZoom: false });
    const tiles = window.L.tileLayer(element.dataset.tileUrl, {
      attribution: element.dataset.attribution,
      maxZoom: 19,
    });
    tiles.once("tileerror", () => {
      document.querySelector("[data-tiles-failed]").hidden = false;
    });
    tiles.addTo(map);
    const group = window.L.featureGroup().addTo(map);
    if (addMarkers(group)) {
      showAll(map, group);
    } else {
      map.setView([Number(element.dataset.lat), Number(element.dataset.lon)], 12);
    }
    // "Load more" swaps the next rows into the list: they get their markers too.
    document.body.addEventListener("htmx:afterSettle", () => {
      if (addMarkers(group)) showAll(map, group);
    });
  });
})();
