// Applicant pages: inline checks of the application form (the same rules the server applies,
// check digits included), uploads with a progress bar and drag-and-drop, and a poller that
// shows each upload's findings as soon as its check is done. Everything works without it.
(function () {
  "use strict";

  // --- inline validation -------------------------------------------------------------------
  var ID_W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  var USCC_A = "0123456789ABCDEFGHJKLMNPQRTUWXY";
  var USCC_W = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
  var ORG_W = [3, 7, 9, 10, 5, 8, 4, 2];

  function residentId(v) {
    if (!v.length) return "请填写身份证号码";
    if (v.length !== 18) return "身份证号码应为18位，当前为" + v.length + "位";
    if (!/^\d{17}[\dX]$/.test(v)) return "身份证号码只能由数字和末位X组成";
    var y = +v.substr(6, 4), m = +v.substr(10, 2), d = +v.substr(12, 2);
    var date = new Date(y, m - 1, d);
    if (date.getFullYear() !== y || date.getMonth() !== m - 1 || date.getDate() !== d) return "身份证号码中的出生日期无效";
    var s = 0;
    for (var i = 0; i < 17; i++) s += (+v[i]) * ID_W[i];
    var check = "10X98765432"[s % 11];
    return v[17] === check ? "" : "身份证号码有误，请与身份证逐位核对";
  }

  function uscc(v) {
    if (!v.length) return "请填写统一社会信用代码";
    if (v.length !== 18) return "统一社会信用代码应为18位，当前为" + v.length + "位";
    var s = 0;
    for (var i = 0; i < 17; i++) {
      var x = USCC_A.indexOf(v[i]);
      if (x < 0) return "统一社会信用代码第" + (i + 1) + "位的字符“" + v[i] + "”无效";
      s += x * USCC_W[i];
    }
    var check = USCC_A[(31 - (s % 31)) % 31];
    if (v[17] !== check) return "统一社会信用代码有误，请与营业执照逐位核对";
    var o = 0;
    for (var j = 0; j < 8; j++) {
      var c = v[8 + j];
      o += (/\d/.test(c) ? +c : c.charCodeAt(0) - 55) * ORG_W[j];
    }
    var r = 11 - (o % 11), oc = r === 10 ? "X" : r === 11 ? "0" : String(r);
    return v[16] === oc ? "" : "统一社会信用代码有误，请与营业执照逐位核对";
  }

  var checks = {
    resident_id: residentId,
    uscc: uscc,
    mobile: function (v) { return /^1[3-9]\d{9}$/.test(v) ? "" : "请填写11位手机号码"; },
    email: function (v) { return /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(v) ? "" : "请填写正确的电子邮箱"; }
  };

  function show(input, message) {
    var box = input.closest(".field");
    var out = box && box.querySelector(".error");
    if (!out) return;
    out.textContent = message;
    box.classList.toggle("invalid", !!message);
  }

  document.querySelectorAll("input[data-check]").forEach(function (input) {
    var rule = checks[input.dataset.check];
    function run(final) {
      var v = input.value.trim().toUpperCase();
      if (input.dataset.check === "resident_id" || input.dataset.check === "uscc") input.value = v;
      if (!v) { show(input, final && input.required ? "请填写此项" : ""); return; }
      // While typing, only speak once the value is complete.
      if (!final && v.length < (input.maxLength > 0 ? input.maxLength : 0)) { show(input, ""); return; }
      show(input, rule(v));
    }
    input.addEventListener("input", function () { run(false); });
    input.addEventListener("blur", function () { run(true); });
  });

  // The documents checklist follows the chosen operation type.
  document.querySelectorAll("input[name=operation_type]").forEach(function (radio) {
    radio.addEventListener("change", function () {
      document.querySelectorAll("#checklist [data-operation]").forEach(function (el) {
        el.hidden = el.dataset.operation !== radio.value;
      });
    });
  });

  // A button marked data-once is pressed once (the server is safe against a second press too).
  document.querySelectorAll("form").forEach(function (form) {
    form.addEventListener("submit", function () {
      var b = form.querySelector("button[data-once]");
      if (b) setTimeout(function () { b.disabled = true; b.textContent = "正在提交…"; }, 0);
    });
  });

  // --- uploads -----------------------------------------------------------------------------
  document.querySelectorAll("form[data-upload]").forEach(function (form) {
    var input = form.querySelector("input[type=file]");
    var bar = form.querySelector("progress");
    var out = form.querySelector(".error");
    var drop = form.querySelector(".drop");
    function send() {
      if (!input.files.length) return;
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("Accept", "application/json");
      bar.hidden = false; bar.value = 0; out.textContent = "";
      form.classList.add("busy");
      xhr.upload.onprogress = function (e) { if (e.lengthComputable) bar.value = Math.round(100 * e.loaded / e.total); };
      xhr.onload = function () {
        form.classList.remove("busy");
        if (xhr.status === 201) { location.hash = "doc-" + form.closest("section").dataset.kind; location.reload(); return; }
        var msg = "上传失败，请重试";
        try { msg = JSON.parse(xhr.responseText).error.message; } catch (e) { /* keep the default */ }
        bar.hidden = true; out.textContent = msg; input.value = "";
      };
      xhr.onerror = function () { form.classList.remove("busy"); bar.hidden = true; out.textContent = "网络中断，上传未完成，请重试"; };
      xhr.send(new FormData(form));
    }
    form.addEventListener("submit", function (e) { e.preventDefault(); send(); });
    input.addEventListener("change", send);
    ["dragenter", "dragover"].forEach(function (t) {
      drop.addEventListener(t, function (e) { e.preventDefault(); drop.classList.add("over"); });
    });
    ["dragleave", "drop"].forEach(function (t) {
      drop.addEventListener(t, function () { drop.classList.remove("over"); });
    });
    drop.addEventListener("drop", function (e) {
      e.preventDefault();
      if (e.dataTransfer.files.length) { input.files = e.dataTransfer.files; send(); }
    });
  });

  // --- findings as soon as they are ready ----------------------------------------------------
  var order = document.getElementById("order");
  var pending = Array.prototype.map.call(document.querySelectorAll("[data-pending]"), function (el) { return +el.dataset.pending; });
  if (order && pending.length) {
    var tries = 0;
    var poll = function () {
      var xhr = new XMLHttpRequest();
      xhr.open("GET", "/o/" + order.dataset.token + "/status");
      xhr.onload = function () {
        var done = false;
        try {
          JSON.parse(xhr.responseText).documents.forEach(function (d) { if (pending.indexOf(d.id) >= 0 && d.checked) done = true; });
        } catch (e) { /* try again */ }
        if (done) location.reload(); else if (++tries < 120) setTimeout(poll, tries < 20 ? 1000 : 3000);
      };
      xhr.send();
    };
    setTimeout(poll, 1000);
  }
})();
