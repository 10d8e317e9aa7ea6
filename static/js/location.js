// "Use my location" on record forms (templates/records/_location_fields.html).
// Messages come translated from the fieldset's data-msg-* attributes; without this file the
// button stays hidden and the address field alone is used.
(() => {
  "use strict";

  const OPTIONS = { enableHighAccuracy: true, timeout: 20000, maximumAge: 10000 };

  const input = (block, name) => block.querySelector(`[data-location-input="${name}"]`);

  function metres(value) {
    const rounded = Math.round(value);
    try {
      return new Intl.NumberFormat(document.documentElement.lang || undefined).format(rounded);
    } catch (error) {
      return String(rounded);
    }
  }

  function say(block, key, accuracy, warn) {
    const status = block.querySelector("[data-location-status]");
    const text = block.dataset[key] || "";
    status.textContent = accuracy === undefined ? text : text.replace("{metres}", metres(accuracy));
    status.classList.toggle("warning", Boolean(warn));
  }

  function setValues(block, latitude, longitude, accuracy) {
    input(block, "latitude").value = latitude;
    input(block, "longitude").value = longitude;
    input(block, "accuracy").value = accuracy;
    block.querySelector("[data-location-clear]").hidden = latitude === "";
  }

  function locate(block, button) {
    button.disabled = true;
    say(block, "msgLocating");
    const finish = () => { button.disabled = false; };
    navigator.geolocation.getCurrentPosition((position) => {
      const { latitude, longitude, accuracy } = position.coords;
      // Whole metres; never 0, which the server refuses as impossible.
      const roundedAccuracy = Math.max(1, Math.round(accuracy));
      setValues(block, latitude.toFixed(7), longitude.toFixed(7), roundedAccuracy);
      const poor = roundedAccuracy > Number(block.dataset.warningM);
      say(block, poor ? "msgPoor" : "msgFound", roundedAccuracy, poor);
      finish();
    }, (error) => {
      const key = error.code === error.PERMISSION_DENIED ? "msgDenied"
        : error.code === error.TIMEOUT ? "msgTimeout" : "msgUnavailable";
      say(block, key, undefined, true);
      finish();
    }, OPTIONS);
  }

  function reveal(root) {
    if (!("geolocation" in navigator) || !root.querySelectorAll) return;
    root.querySelectorAll("[data-location] [data-location-controls]").forEach((controls) => {
      controls.hidden = false;
    });
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-location-button], [data-location-clear]");
    const block = button && button.closest("[data-location]");
    if (!block) return;
    if (button.matches("[data-location-button]")) {
      locate(block, button);
    } else {
      setValues(block, "", "", "");
      say(block, "msgCleared");
    }
  });

  // Forms swapped in by htmx (a 422 re-render) get their button too.
  document.addEventListener("htmx:load", (event) => reveal(event.detail.elt));
  reveal(document);
})();
