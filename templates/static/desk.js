// The reviewer's desk: the keyboard (j/k move between documents, a accept, r return with the
// reasons the checks suggest, 1–9 toggle a reason, p accept every document whose checks
// passed, s go to the submit button, n on the queue take the next case, ? the list of keys),
// the outcome that follows the documents' verdicts until the reviewer picks one, and a summary
// of what the applicant will be told, kept up to date above the submit button.
(function () {
  "use strict";
  var typing = function (el) {
    return el && (el.tagName === "TEXTAREA" || el.tagName === "SELECT" ||
      (el.tagName === "INPUT" && !/^(radio|checkbox|button|submit)$/.test(el.type)));
  };
  var help = document.getElementById("keys-help");
  function toggleHelp() {
    if (!help) return;
    if (help.open) help.close(); else help.showModal();
  }

  var next = document.getElementById("next-case");
  var form = document.getElementById("decision");
  var docs = form ? Array.prototype.slice.call(form.querySelectorAll("section.doc[data-document-id]")) : [];
  var current = -1;
  var outcomeChosen = false;

  function radio(doc, value) {
    return doc.querySelector("input[name=doc_" + doc.dataset.documentId + "][value=" + value + "]");
  }
  function reasons(doc) {
    return Array.prototype.slice.call(doc.querySelectorAll(".reasons input[type=checkbox]"));
  }
  function verdict(doc) {
    var r = doc.querySelector("input[name=doc_" + doc.dataset.documentId + "]:checked");
    return r ? r.value : "";
  }
  function focusDoc(i) {
    if (!docs.length) return;
    current = Math.max(0, Math.min(docs.length - 1, i));
    docs.forEach(function (d, k) { d.classList.toggle("current", k === current); });
    docs[current].scrollIntoView({ block: "start", behavior: "auto" });
  }
  function setOutcome(value) {
    var r = form.querySelector("input[name=outcome][value=" + value + "]");
    if (r) r.checked = true;
  }
  // Until the reviewer picks an outcome, it follows the documents: one sent back makes it a
  // return, all accepted an approval.
  function followDocuments() {
    if (outcomeChosen || !docs.length) return;
    var v = docs.map(verdict);
    if (v.indexOf("resubmit") >= 0) setOutcome("return");
    else if (v.every(function (x) { return x === "accept"; })) setOutcome("approve");
  }
  function accept(doc) {
    var r = radio(doc, "accept");
    if (r) r.checked = true;
    reasons(doc).forEach(function (c) { c.checked = false; });
  }
  function sendBack(doc) {
    var r = radio(doc, "resubmit");
    if (r) r.checked = true;
    var suggested = doc.querySelectorAll(".reasons label.suggested input");
    Array.prototype.forEach.call(suggested, function (c) { c.checked = true; });
  }
  function acceptPassing() {
    docs.forEach(function (d) { if (d.dataset.verdict === "pass") accept(d); });
    changed();
  }

  var summary = document.getElementById("decision-summary");
  function labelText(input) {
    var l = input.closest("label");
    return l ? l.textContent.replace("（自动检查建议）", "").trim() : input.value;
  }
  function changed() {
    followDocuments();
    if (!summary) return;
    var o = form.querySelector("input[name=outcome]:checked");
    var lines = [];
    var undecided = docs.filter(function (d) { return !verdict(d); });
    if (!o) {
      lines.push("尚未选择审核结论。");
    } else if (o.value === "approve") {
      lines.push("审核通过：申请人将收到短信和电子邮件，通知其办理后续手续。");
    } else if (o.value === "return") {
      lines.push("退回修改：申请人将收到短信和电子邮件，只需重新上传以下材料：");
      docs.filter(function (d) { return verdict(d) === "resubmit"; }).forEach(function (d) {
        var why = reasons(d).filter(function (c) { return c.checked; }).map(labelText);
        lines.push("· " + d.dataset.label + (why.length ? "：" + why.join("；") : "：（未选原因）"));
      });
    } else {
      var final = Array.prototype.slice.call(form.querySelectorAll(".reasons.final input:checked")).map(labelText);
      lines.push("审核不通过，申请终止。原因：" + (final.length ? final.join("；") : "（未选原因）"));
    }
    if (undecided.length && (!o || o.value !== "reject")) {
      lines.push("尚有 " + undecided.length + " 份材料未作判断：" +
        undecided.map(function (d) { return d.dataset.label; }).join("、"));
    }
    var comment = form.querySelector("textarea[name=comment_applicant]");
    if (comment && comment.value.trim()) lines.push("附言：" + comment.value.trim());
    summary.textContent = "";
    lines.forEach(function (t) {
      var p = document.createElement("p");
      p.textContent = t;
      summary.appendChild(p);
    });
  }

  if (form) {
    form.addEventListener("change", function (e) {
      if (e.target.name === "outcome") outcomeChosen = true;
      // Ticking a reason of a document means sending it back.
      var doc = e.target.closest("section.doc");
      if (doc && e.target.type === "checkbox" && e.target.checked) {
        var r = radio(doc, "resubmit");
        if (r) r.checked = true;
      }
      changed();
    });
    form.addEventListener("input", changed);
    outcomeChosen = !!form.querySelector("input[name=outcome]:checked");
    // Each document's first nine reasons carry the key that toggles them.
    docs.forEach(function (d) {
      reasons(d).slice(0, 9).forEach(function (c, i) {
        var kbd = document.createElement("kbd");
        kbd.textContent = String(i + 1);
        c.parentNode.insertBefore(kbd, c);
      });
    });
    var all = document.getElementById("accept-passing");
    if (all) all.addEventListener("click", acceptPassing);
    changed();
  }

  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey || typing(e.target)) return;
    var k = e.key;
    if (k === "?") { toggleHelp(); e.preventDefault(); return; }
    if (next && k === "n") { next.click(); e.preventDefault(); return; }
    if (!form || !docs.length || !document.getElementById("submit-decision")) return;
    var doc = docs[current < 0 ? 0 : current];
    if (k === "j") focusDoc(current + 1);
    else if (k === "k") focusDoc(current - 1);
    else if (k === "a") { if (current < 0) focusDoc(0); accept(docs[current]); changed(); focusDoc(current + 1); }
    else if (k === "r") { if (current < 0) focusDoc(0); sendBack(docs[current]); changed(); }
    else if (k === "p") acceptPassing();
    else if (k === "s") {
      var b = document.getElementById("submit-decision");
      b.scrollIntoView({ block: "center" });
      b.focus();
    } else if (/^[1-9]$/.test(k)) {
      if (current < 0) focusDoc(0);
      doc = docs[current];
      var c = reasons(doc)[parseInt(k, 10) - 1];
      if (!c) return;
      c.checked = !c.checked;
      if (c.checked) { var r = radio(doc, "resubmit"); if (r) r.checked = true; }
      changed();
    } else return;
    e.preventDefault();
  });
})();
