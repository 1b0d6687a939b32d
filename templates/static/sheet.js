// Photos shown flattened: the server gives the CSS matrix that maps the photo's pixels onto the
// page's; this scales it to the box the page is drawn in, and again when the box resizes.
(function () {
  "use strict";
  document.querySelectorAll(".stage.flat").forEach(function (stage) {
    var img = stage.querySelector("img.photo");
    var width = parseFloat(stage.dataset.sheetWidth || "0");
    if (!img || !width) return;
    function fit() {
      var k = stage.clientWidth / width;
      img.style.transform = "scale(" + k + ") " + img.dataset.matrix;
    }
    fit();
    if (window.ResizeObserver) new ResizeObserver(fit).observe(stage);
  });
})();
