// The scan viewer on the case page: zoom, quarter turns, and the upright-and-straightened view
// from the check report's transform. The findings overlay turns with the image. Also keeps a
// double click from sending the decision form twice (the server refuses duplicates anyway).
(function () {
  "use strict";
  document.querySelectorAll(".viewer").forEach(function (viewer) {
    var stage = viewer.querySelector(".stage");
    var frame = viewer.querySelector(".frame");
    var img = viewer.querySelector("img");
    var state = { scale: 1, angle: 0 };
    var upright = {
      turns: parseInt(viewer.dataset.turns || "0", 10),
      deskew: parseFloat(viewer.dataset.deskew || "0"),
    };
    function apply() {
      stage.style.transform = "rotate(" + state.angle + "deg) scale(" + state.scale + ")";
      // A flattened photo is drawn in its page's box; a scan is its image.
      var box = stage.classList.contains("flat") ? stage : img;
      var w = box.clientWidth * state.scale, h = box.clientHeight * state.scale;
      var quarter = Math.round(state.angle / 90) % 2 !== 0;
      frame.style.height = (quarter ? w : h) + 24 + "px";
    }
    viewer.querySelectorAll(".tools button").forEach(function (b) {
      b.addEventListener("click", function () {
        var act = b.dataset.act;
        if (act === "in") state.scale = Math.min(state.scale * 1.25, 6);
        if (act === "out") state.scale = Math.max(state.scale / 1.25, 0.25);
        if (act === "rotate") state.angle = (Math.round(state.angle / 90) * 90 + 90) % 360;
        if (act === "upright") state.angle = upright.turns * 90 + upright.deskew;
        if (act === "reset") { state.scale = 1; state.angle = 0; }
        apply();
      });
    });
    img.addEventListener("load", apply);
  });
  var form = document.getElementById("decision");
  if (form) {
    form.addEventListener("submit", function () {
      var b = document.getElementById("submit-decision");
      if (b) { setTimeout(function () { b.disabled = true; b.textContent = "正在提交…"; }, 0); }
    });
  }
})();
