// The questionnaire's skip logic in the browser: a question shows only when its condition
// ("question X is / is not Y", in data- attributes) and its section's hold. No eval: the
// condition is data, compared here. The server applies the same rule and drops hidden answers.
(function () {
  "use strict";
  var form = document.querySelector("[data-questionnaire]");
  if (!form) return;
  var items = Array.prototype.slice.call(form.querySelectorAll("[data-question]"));

  function valuesOf(name) {
    var values = [];
    Array.prototype.forEach.call(form.elements, function (input) {
      if (input.name !== name || input.disabled) return;
      if ((input.type === "radio" || input.type === "checkbox") && !input.checked) return;
      if (input.value.trim() !== "") values.push(input.value.trim());
    });
    return values;
  }

  function update() {
    var shown = {};
    items.forEach(function (item) {
      var name = item.getAttribute("data-question");
      var parent = item.getAttribute("data-parent");
      var visible = !parent || shown[parent] === true;
      var on = item.getAttribute("data-relevant-question");
      if (visible && on) {
        var matched = shown[on] === true &&
          valuesOf(on).indexOf(item.getAttribute("data-relevant-value")) !== -1;
        visible = item.hasAttribute("data-relevant-negated") ? !matched : matched;
      }
      shown[name] = visible;
      item.hidden = !visible;
    });
  }

  form.addEventListener("change", update);
  form.addEventListener("input", update);
  update();

  Array.prototype.forEach.call(form.querySelectorAll("[data-survey-locate]"), function (button) {
    if (!navigator.geolocation) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      var input = button.parentNode.querySelector("[data-survey-location]");
      navigator.geolocation.getCurrentPosition(function (position) {
        var c = position.coords;
        input.value = c.latitude.toFixed(6) + " " + c.longitude.toFixed(6) + " 0 " + Math.round(c.accuracy);
        update();
      });
    });
  });
})();
