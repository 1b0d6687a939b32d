// The scan viewer on the case page. The scan opens as wide as the viewer (fit width), upright
// and straightened when the report's transform says how; zoom is layout, not a CSS scale, so
// the frame scrolls to every edge of a zoomed scan and the SVG overlay, drawn in the scan's
// pixels, stays on it at every zoom and turn (its labels are turned back to read upright).
// Ctrl + wheel (a trackpad pinch) zooms around the pointer, dragging pans, 1:1 shows the scan's
// own pixels. Also keeps a double click from sending the decision form twice (the server
// refuses duplicates anyway).
(function () {
  "use strict";
  var PAD = 12;
  document.querySelectorAll(".viewer").forEach(function (viewer) {
    var stage = viewer.querySelector(".stage");
    var frame = viewer.querySelector(".frame");
    var img = viewer.querySelector("img");
    if (!stage || !frame || !img) return;
    var flat = stage.classList.contains("flat");
    var upright = {
      turns: parseInt(viewer.dataset.turns || "0", 10),
      deskew: parseFloat(viewer.dataset.deskew || "0"),
    };
    // The upright view is the default; "原图" shows the scan as uploaded.
    var state = { scale: 0, fit: true, angle: upright.turns * 90 + upright.deskew };
    var turn = document.createElement("div");
    turn.className = "turn";
    stage.parentNode.insertBefore(turn, stage);
    turn.appendChild(stage);
    viewer.classList.add("live");
    var labels = Array.prototype.slice.call(stage.querySelectorAll("svg.overlay text"));

    function natural() {
      if (flat) {
        var w = parseFloat(stage.dataset.sheetWidth), h = parseFloat(stage.dataset.sheetHeight);
        return [w, h];
      }
      return [img.naturalWidth || img.width || 1, img.naturalHeight || img.height || 1];
    }
    function extent(w, h) {
      var r = state.angle * Math.PI / 180, c = Math.abs(Math.cos(r)), s = Math.abs(Math.sin(r));
      return [w * c + h * s, w * s + h * c];
    }
    function fitScale() {
      var n = natural(), e = extent(n[0], n[1]);
      return Math.max(0.02, (frame.clientWidth - 2 * PAD) / e[0]);
    }
    function layout() {
      var n = natural();
      if (state.fit) state.scale = fitScale();
      var w = n[0] * state.scale, h = n[1] * state.scale, e = extent(w, h);
      stage.style.width = w + "px";
      stage.style.height = h + "px";
      turn.style.width = e[0] + "px";
      turn.style.height = e[1] + "px";
      stage.style.transform = "translate(-50%, -50%) rotate(" + state.angle + "deg)";
      labels.forEach(function (t) {
        t.setAttribute("transform", "rotate(" + -state.angle + " " + t.getAttribute("x") + " " + t.getAttribute("y") + ")");
      });
      viewer.dataset.scale = state.scale.toFixed(4);
    }
    // Zooms to `scale`, keeping the scan's point under (px, py) of the frame where it was.
    function zoomTo(scale, px, py) {
      var fit = fitScale();
      scale = Math.max(fit / 2, Math.min(scale, 8));
      if (px === undefined) { px = frame.clientWidth / 2; py = frame.clientHeight / 2; }
      var k = scale / state.scale;
      var x = frame.scrollLeft + px - PAD, y = frame.scrollTop + py - PAD;
      state.scale = scale;
      state.fit = Math.abs(scale - fit) < 1e-6;
      layout();
      frame.scrollLeft = x * k - px + PAD;
      frame.scrollTop = y * k - py + PAD;
    }
    viewer.querySelectorAll(".tools button").forEach(function (b) {
      b.addEventListener("click", function () {
        var act = b.dataset.act;
        if (act === "in") zoomTo(state.scale * 1.25);
        if (act === "out") zoomTo(state.scale / 1.25);
        if (act === "fit") { state.fit = true; layout(); }
        if (act === "full") zoomTo(1);
        if (act === "rotate") { state.angle = (Math.round(state.angle / 90) * 90 + 90) % 360; layout(); }
        if (act === "upright") { state.angle = upright.turns * 90 + upright.deskew; layout(); }
        if (act === "compare") viewer.parentNode.classList.toggle("compare");
        if (act === "reset") { state.angle = 0; state.fit = true; layout(); }
      });
    });
    frame.addEventListener("wheel", function (e) {
      if (!e.ctrlKey && !e.metaKey) return;
      e.preventDefault();
      var r = frame.getBoundingClientRect();
      zoomTo(state.scale * Math.exp(-e.deltaY / 300), e.clientX - r.left, e.clientY - r.top);
    }, { passive: false });
    var drag = null;
    frame.addEventListener("pointerdown", function (e) {
      var r = frame.getBoundingClientRect();
      // Not on the frame's own scroll bars.
      if (e.button !== 0 || e.clientX - r.left >= frame.clientLeft + frame.clientWidth ||
          e.clientY - r.top >= frame.clientTop + frame.clientHeight) return;
      drag = { x: e.clientX, y: e.clientY, left: frame.scrollLeft, top: frame.scrollTop };
      frame.setPointerCapture(e.pointerId);
      frame.classList.add("dragging");
      e.preventDefault();
    });
    frame.addEventListener("pointermove", function (e) {
      if (!drag) return;
      frame.scrollLeft = drag.left - (e.clientX - drag.x);
      frame.scrollTop = drag.top - (e.clientY - drag.y);
    });
    function endDrag() { drag = null; frame.classList.remove("dragging"); }
    frame.addEventListener("pointerup", endDrag);
    frame.addEventListener("pointercancel", endDrag);
    if (img.complete && img.naturalWidth) layout();
    img.addEventListener("load", layout);
    if (flat) layout();
    if (window.ResizeObserver) new ResizeObserver(function () { if (state.fit) layout(); }).observe(frame);
  });
  var form = document.getElementById("decision");
  if (form) {
    form.addEventListener("submit", function () {
      var b = document.getElementById("submit-decision");
      if (b) { setTimeout(function () { b.disabled = true; b.textContent = "正在提交…"; }, 0); }
    });
  }
})();
