// The last-seen map of a missing person report (templates/missing_persons/_map.html): Leaflet,
// tiles from MAP_TILE_URL, a marker at the place last seen. With data-pick, tapping the map
// puts the marker there and fills the form's position (the address stays as typed). On the
// search board, each area ([data-area]) is drawn as a circle.
(() => {
  "use strict";

  document.addEventListener("DOMContentLoaded", () => {
    const element = document.getElementById("last-seen-map");
    if (!element || !window.L) return;
    element.querySelector("[data-map-fallback]")?.remove();
    const centre = [Number(element.dataset.lat), Number(element.dataset.lon)];
    const map = window.L.map(element, { scrollWheelZoom: false }).setView(centre, 15);
    window.L.tileLayer(element.dataset.tileUrl, {
      attribution: element.dataset.attribution,
      maxZoom: 19,
    }).addTo(map);
    let marker = "marker" in element.dataset ? window.L.marker(centre).addTo(map) : null;
    // The search board's areas: a circle each, named.
    for (const area of document.querySelectorAll("[data-area]")) {
      const at = [Number(area.dataset.lat), Number(area.dataset.lon)];
      window.L.circle(at, { radius: Number(area.dataset.radius) })
        .bindTooltip(area.dataset.label)
        .addTo(map);
    }
    if (!("pick" in element.dataset)) return;
    const form = element.closest("form");
    map.on("click", (event) => {
      const { lat, lng } = event.latlng;
      if (marker) marker.setLatLng(event.latlng);
      else marker = window.L.marker(event.latlng).addTo(map);
      form.querySelector("[data-location-input=latitude]").value = lat.toFixed(6);
      form.querySelector("[data-location-input=longitude]").value = lng.toFixed(6);
      form.querySelector("[data-location-input=accuracy]").value = "";
    });
  });
})();
