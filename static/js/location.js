// "Use my location" on record forms (templates/records/_location_fields.html) and the visit
// form (templates/special_checks/_visit_form.html). Messages come translated from the block's
// data-msg-* attributes; without this file the buttons stay hidden and the address alone is used.
//
// A compact block ([data-location-compact], the visit form) shows the position as one line,
// "Position ±12 m · Change", and its buttons only after "Change" or when no position could be
// found. An automatic block ([data-location-auto]) asks for the position on load, but only when
// the officer has already allowed it, so a page never opens with a permission prompt.
(() => {
  "use strict";

  const OPTIONS = { enableHighAccuracy: true, timeout: 20000, maximumAge: 10000 };
  const BLOCK = "[data-location]";

  const input = (block, name) => block.querySelector(`[data-location-input="${name}"]`);
  const compact = (block) => block.hasAttribute("data-location-compact");

  function metres(value) {
    const rounded = Math.round(value);
    try {
      return new Intl.NumberFormat(document.documentElement.lang || undefined).format(rounded);
    } catch (error) {
      return String(rounded);
    }
  }

  // In a compact block the short message (data-msg-short-*) is used when there is one.
  function say(block, key, accuracy, warn) {
    const status = block.querySelector("[data-location-status]");
    const shortKey = key.replace(/^msg/, "msgShort");
    const text = (compact(block) && block.dataset[shortKey]) || block.dataset[key] || "";
    status.textContent = accuracy === undefined ? text : text.replace("{metres}", metres(accuracy));
    status.classList.toggle("warning", Boolean(warn));
  }

  // Compact blocks: the buttons open (after "Change", or when there is no position) or fold
  // away behind "Change" once a position is known.
  function showControls(block, open) {
    const controls = block.querySelector("[data-location-controls]");
    const change = block.querySelector("[data-location-change]");
    controls.hidden = !open;
    if (change) {
      change.hidden = open;
      change.setAttribute("aria-expanded", String(open));
    }
  }

  function setValues(block, latitude, longitude, accuracy) {
    input(block, "latitude").value = latitude;
    input(block, "longitude").value = longitude;
    input(block, "accuracy").value = accuracy;
    block.querySelector("[data-location-clear]").hidden = latitude === "";
  }

  function sayFound(block, accuracy) {
    const poor = accuracy > Number(block.dataset.warningM);
    say(block, poor ? "msgPoor" : "msgFound", accuracy, poor);
    if (compact(block)) showControls(block, false);
  }

  function locate(block, button) {
    if (button) button.disabled = true;
    say(block, "msgLocating");
    const finish = () => { if (button) button.disabled = false; };
    navigator.geolocation.getCurrentPosition((position) => {
      const { latitude, longitude, accuracy } = position.coords;
      // Whole metres; never 0, which the server refuses as impossible.
      const roundedAccuracy = Math.max(1, Math.round(accuracy));
      setValues(block, latitude.toFixed(7), longitude.toFixed(7), roundedAccuracy);
      sayFound(block, roundedAccuracy);
      finish();
    }, (error) => {
      const key = error.code === error.PERMISSION_DENIED ? "msgDenied"
        : error.code === error.TIMEOUT ? "msgTimeout" : "msgUnavailable";
      say(block, key, undefined, true);
      if (compact(block)) showControls(block, true);
      finish();
    }, OPTIONS);
  }

  async function alreadyAllowed() {
    try {
      return (await navigator.permissions.query({ name: "geolocation" })).state === "granted";
    } catch (error) {
      return false;
    }
  }

  async function start(block) {
    if (block.dataset.locationStarted) return; // htmx:load also fires for the first page
    block.dataset.locationStarted = "true";
    if (!compact(block)) {
      block.querySelector("[data-location-controls]").hidden = false;
      if (block.hasAttribute("data-location-auto") && await alreadyAllowed()) {
        locate(block, block.querySelector("[data-location-button]"));
      }
      return;
    }
    const accuracy = input(block, "accuracy").value;
    if (input(block, "latitude").value && accuracy) {
      sayFound(block, Number(accuracy)); // a form sent back with its position kept
    } else if (block.hasAttribute("data-location-auto") && await alreadyAllowed()) {
      locate(block, block.querySelector("[data-location-button]"));
    } else {
      showControls(block, true);
    }
  }

  function startAll(root) {
    if (!("geolocation" in navigator) || !root.querySelectorAll) return;
    const blocks = Array.from(root.querySelectorAll(BLOCK));
    if (root.matches && root.matches(BLOCK)) blocks.push(root);
    blocks.forEach(start);
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest(
      "[data-location-button], [data-location-clear], [data-location-change]");
    const block = button && button.closest(BLOCK);
    if (!block) return;
    if (button.matches("[data-location-change]")) {
      showControls(block, true);
      block.querySelector("[data-location-button]").focus();
    } else if (button.matches("[data-location-button]")) {
      locate(block, button);
    } else {
      setValues(block, "", "", "");
      say(block, "msgCleared");
    }
  });

  // Forms swapped in by htmx (a 422 re-render) get their buttons too.
  document.addEventListener("htmx:load", (event) => startAll(event.detail.elt));
  startAll(document);
})();
