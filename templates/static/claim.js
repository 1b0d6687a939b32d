// The claim clock on the case page: shows until when the reviewer holds the case, keeps the
// claim alive while they are at it (any key, click, scroll or wheel since the last beat sends a
// heartbeat), warns before it lapses with a button to keep it, and says so when it has lapsed
// or someone else has taken the case. Without it the claim still lapses only after
// review.claim_idle_mins without a page load, and a refused decision keeps the form.
(function () {
  "use strict";
  var clock = document.getElementById("claim-clock");
  if (!clock || !window.fetch) return;
  var d = clock.dataset;
  var idle = parseInt(d.idleMs, 10);
  var skew = parseInt(d.nowMs, 10) - Date.now(); // server clock minus ours
  var expires = parseInt(d.expiresMs, 10);
  var beatEvery = Math.min(60000, Math.max(5000, idle / 4));
  var warnBefore = Math.min(5 * 60000, idle / 4);
  var lastInput = 0, lastBeat = Date.now(), lost = null, sending = false;

  function now() { return Date.now() + skew; }
  function hhmm(ms) {
    var t = new Date(ms + 8 * 3600000); // Beijing time
    var p = function (n) { return (n < 10 ? "0" : "") + n; };
    return p(t.getUTCHours()) + ":" + p(t.getUTCMinutes());
  }

  var keep = document.createElement("button");
  keep.type = "button";
  keep.id = "claim-keep";
  keep.textContent = "继续处理";
  keep.addEventListener("click", function () { beat(); });

  function show() {
    clock.textContent = "";
    clock.className = "claim-clock";
    if (lost) {
      clock.className = "claim-clock lost";
      clock.textContent = lost;
      return;
    }
    var left = expires - now();
    var mins = Math.max(0, Math.ceil(left / 60000));
    if (left <= 0) {
      clock.className = "claim-clock lost";
      clock.textContent = "领取已失效：提交结论时可重新领取，已填写的内容不会丢失";
      return;
    }
    if (left < warnBefore) {
      clock.className = "claim-clock warn";
      clock.textContent = "长时间无操作，领取将在 " + mins + " 分钟后失效 ";
      clock.appendChild(keep);
      return;
    }
    clock.textContent = "领取保留至 " + hhmm(expires) + "（北京时间）";
  }

  function beat() {
    if (sending) return;
    sending = true;
    lastBeat = Date.now();
    var body = new URLSearchParams();
    body.set("csrf", d.csrf);
    fetch(d.heartbeat, { method: "POST", body: body, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (s) {
        if (!s) return;
        skew = s.now_ms - Date.now();
        if (s.held) {
          expires = s.expires_at_ms;
          lost = null;
        } else if (!s.in_review) {
          lost = "该申请已不在待审核状态，请刷新页面查看";
        } else if (s.holder) {
          lost = "领取已失效，该申请现由" + s.holder + "处理；您的结论将无法提交";
        } else {
          lost = "领取已失效：提交结论时可重新领取，已填写的内容不会丢失";
        }
      })
      .catch(function () { /* offline for a moment: the next input tries again */ })
      .then(function () { sending = false; show(); });
  }

  ["keydown", "mousedown", "wheel", "scroll", "touchstart", "input"].forEach(function (t) {
    window.addEventListener(t, function () { lastInput = Date.now(); }, { passive: true, capture: true });
  });
  setInterval(function () {
    if (!lost && lastInput > lastBeat && Date.now() - lastBeat >= beatEvery && expires > now()) beat();
    show();
  }, Math.min(15000, beatEvery));
  show();
})();
