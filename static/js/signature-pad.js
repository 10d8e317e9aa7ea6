// Signatures drawn with a finger (templates/custody/_signature_pad.html): pointer events on a
// canvas; after each stroke the drawing is written as a PNG data URL into the hidden field
// the server stores. "Clear" empties both. A form re-rendered with errors keeps the drawing
// (the field's value is drawn back onto the canvas).
(() => {
  if (window.csoSignaturePads) return;
  window.csoSignaturePads = true;

  function setUp(pad) {
    if (pad.dataset.ready) return;
    pad.dataset.ready = "1";
    const canvas = pad.querySelector("[data-signature-canvas]");
    const input = pad.querySelector("[data-signature-input]");
    const context = canvas.getContext("2d");
    context.lineWidth = 4;
    context.lineCap = "round";
    context.lineJoin = "round";
    context.strokeStyle = "#000";
    let drawing = false;

    function point(event) {
      const box = canvas.getBoundingClientRect();
      return [
        ((event.clientX - box.left) * canvas.width) / box.width,
        ((event.clientY - box.top) * canvas.height) / box.height,
      ];
    }
    canvas.addEventListener("pointerdown", (event) => {
      event.preventDefault();
      canvas.setPointerCapture(event.pointerId);
      drawing = true;
      const [x, y] = point(event);
      context.beginPath();
      context.moveTo(x, y);
      context.lineTo(x + 0.1, y + 0.1);
      context.stroke();
    });
    canvas.addEventListener("pointermove", (event) => {
      if (!drawing) return;
      event.preventDefault();
      const [x, y] = point(event);
      context.lineTo(x, y);
      context.stroke();
    });
    function end() {
      if (!drawing) return;
      drawing = false;
      input.value = canvas.toDataURL("image/png");
    }
    canvas.addEventListener("pointerup", end);
    canvas.addEventListener("pointercancel", end);
    pad.querySelector("[data-signature-clear]").addEventListener("click", () => {
      context.clearRect(0, 0, canvas.width, canvas.height);
      input.value = "";
    });
    if (input.value.startsWith("data:image/png;base64,")) {
      const image = new Image();
      image.addEventListener("load", () => context.drawImage(image, 0, 0));
      image.src = input.value;
    }
  }

  function setUpAll(root) {
    root.querySelectorAll("[data-signature-pad]").forEach(setUp);
  }
  document.addEventListener("DOMContentLoaded", () => setUpAll(document));
  document.addEventListener("htmx:load", (event) => setUpAll(event.detail.elt.parentNode || document));
})();
