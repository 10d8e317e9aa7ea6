// Photo inputs (templates/photos/_upload_field.html): the chosen files' names, upload progress
// and early size checks.
// Messages come from data- attributes, so they are translated by the server.
(() => {
  if (window.csoPhotoFields) return; // included by several partials on one page
  window.csoPhotoFields = true;
  const FIELD = "[data-photo-field]";

  function fieldOf(element) {
    const form = element.closest("form") || element;
    return form.querySelector(FIELD);
  }

  function hasChosenFiles(field) {
    const input = field.querySelector('input[type="file"]');
    return Boolean(input && input.files && input.files.length);
  }

  function showProgress(field, fraction) {
    const bar = field.querySelector("progress");
    const text = field.querySelector("#" + bar.getAttribute("aria-labelledby"));
    // htmx reports upload and then download progress; the bar only moves forward.
    const percent = Math.max(Number(bar.value), Math.round(fraction * 100));
    bar.value = percent;
    bar.hidden = false;
    if (text) {
      text.textContent = (field.dataset.progressMessage || "").replace("{percent}", percent);
      text.hidden = false;
    }
  }

  function resetProgress(field) {
    const bar = field.querySelector("progress");
    bar.value = 0;
    bar.hidden = true;
    const text = field.querySelector("#" + bar.getAttribute("aria-labelledby"));
    if (text) {
      text.textContent = "";
      text.hidden = true;
    }
  }

  function showError(field, message) {
    const input = field.querySelector('input[type="file"]');
    const slot = field.querySelector(".error");
    input.setCustomValidity(message);
    field.classList.toggle("field-invalid", Boolean(message));
    if (message) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
    slot.textContent = message;
    slot.hidden = !message;
  }

  // The native input is visually hidden, so say what was chosen under the "Add photos" button.
  function showChosen(field, files) {
    const slot = field.querySelector("[data-photo-chosen]");
    if (!slot) return;
    const names = files.map((file) => file.name);
    slot.textContent = names.length === 0 ? ""
      : names.length === 1 ? (field.dataset.chosenOne || "").replace("{name}", names[0])
        : (field.dataset.chosenMany || "").replace("{num}", names.length)
          .replace("{names}", names.join(", "));
  }

  // Say at once when photos are too many or too large, before sending megabytes over cellular.
  function checkChosenFiles(input) {
    const field = input.closest(FIELD);
    if (!field) return;
    const files = Array.from(input.files || []);
    showChosen(field, files);
    const tooLarge = files.find((file) => file.size > Number(field.dataset.maxBytes));
    let message = "";
    if (files.length > Number(field.dataset.maxFiles)) {
      message = field.dataset.tooManyMessage || "";
    } else if (tooLarge) {
      message = (field.dataset.tooLargeMessage || "").replace("{name}", tooLarge.name);
    }
    showError(field, message);
  }

  document.addEventListener("change", (event) => {
    if (event.target.matches(FIELD + ' input[type="file"]')) checkChosenFiles(event.target);
  });

  document.addEventListener("htmx:xhr:progress", (event) => {
    const field = fieldOf(event.target);
    const { loaded, total } = event.detail;
    if (field && total && hasChosenFiles(field)) showProgress(field, loaded / total);
  });

  document.addEventListener("htmx:afterRequest", (event) => {
    const field = fieldOf(event.target);
    if (field) resetProgress(field);
  });
})();
