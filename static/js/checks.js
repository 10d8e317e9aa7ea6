// Special checks. Today's checks (templates/checks/index.html): ask for the position once and
// reload the list nearest first (a check's page fills in its visit's position through
// location.js). Without this file the list is by end date.
(() => {
  "use strict";

  const OPTIONS = { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 };

  function say(form, key) {
    const status = document.querySelector("[data-nearest-status]");
    if (status && form.dataset[key]) status.textContent = form.dataset[key];
  }

  function nearestFirst(form) {
    const params = new URLSearchParams(window.location.search);
    if (params.get("lat") || !("geolocation" in navigator) || !window.htmx) return;
    say(form, "msgLocating");
    navigator.geolocation.getCurrentPosition((position) => {
      // Kept in the filter form, so choosing a district keeps the nearest-first order.
      form.elements.lat.value = position.coords.latitude.toFixed(6);
      form.elements.lon.value = position.coords.longitude.toFixed(6);
      const query = new URLSearchParams(new FormData(form));
      window.htmx.ajax("GET", `${form.action}?${query}`, { target: "#check-list", swap: "outerHTML" });
    }, () => say(form, "msgUnavailable"), OPTIONS);
  }

  // Ask the browser for the position on load only when the officer has already allowed it;
  // otherwise wait for a tap, so a page never opens with a permission prompt.
  async function alreadyAllowed() {
    try {
      return (await navigator.permissions.query({ name: "geolocation" })).state === "granted";
    } catch (error) {
      return false;
    }
  }

  document.addEventListener("DOMContentLoaded", async () => {
    const form = document.querySelector("[data-nearest-form]");
    const allowed = await alreadyAllowed();
    if (form && allowed) nearestFirst(form);
    const button = form && form.querySelector("[data-nearest-button]");
    if (button && !allowed && "geolocation" in navigator) {
      button.hidden = false;
      button.addEventListener("click", () => nearestFirst(form));
    }
  });
})();
