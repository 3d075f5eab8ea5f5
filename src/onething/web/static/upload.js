// The one form with JavaScript: each field is saved as it is left ("已自动保存 14:32"), files go up
// with a progress bar as soon as they are chosen or dropped, and the page is never reloaded, so
// nothing typed is lost. Without JavaScript the same form posts normally and the server keeps
// everything (web/one_form.py). Messages are shown as text only: nothing from a response is HTML.
(function () {
  "use strict";
  var LIMIT = 10 * 1024 * 1024; // the page says 单个文件不超过 10 MB; the server refuses larger bodies too

  function csrf(form) { return form.querySelector("input[name=csrf_token]").value; }

  function fieldError(form, code, message) {
    var note = form.querySelector("#e_" + CSS.escape(code));
    var input = form.querySelector("#f_" + CSS.escape(code));
    if (!note) return;
    note.textContent = message || "";
    note.hidden = !message;
    if (input) {
      var ids = (input.getAttribute("aria-describedby") || "").split(" ").filter(function (x) { return x && x !== note.id; });
      if (message) { ids.push(note.id); input.setAttribute("aria-invalid", "true"); }
      else input.removeAttribute("aria-invalid");
      if (ids.length) input.setAttribute("aria-describedby", ids.join(" ")); else input.removeAttribute("aria-describedby");
      input.closest(".field").classList.toggle("invalid", !!message);
    }
  }

  function status(form, text) {
    var box = form.querySelector("[data-autosave-status]");
    if (box) box.textContent = text;
  }

  function post(form, data, onProgress) {
    return new Promise(function (resolve) {
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.getAttribute("action") + "?autosave=1");
      xhr.setRequestHeader("Accept", "application/json");
      if (onProgress) xhr.upload.onprogress = onProgress;
      xhr.onload = function () {
        var body = null;
        try { body = JSON.parse(xhr.responseText); } catch (e) { body = null; }
        resolve({ status: xhr.status, body: body });
      };
      xhr.onerror = function () { resolve({ status: 0, body: null }); };
      xhr.send(data);
    });
  }

  function saveField(form, name) {
    var data = new FormData();
    data.append("csrf_token", csrf(form));
    data.append("_only", name);
    form.querySelectorAll("[name='" + CSS.escape(name) + "']").forEach(function (el) {
      if ((el.type === "checkbox" || el.type === "radio") && !el.checked) return;
      data.append(name, el.value);
    });
    status(form, "（正在保存…）");
    post(form, data).then(function (r) {
      if (r.status === 0) { status(form, "（网络异常，未能自动保存；提交时会一并保存）"); return; }
      if (r.body && r.body.saved_at) status(form, "（已自动保存 " + r.body.saved_at + "）");
      else if (r.body && r.body.error) status(form, "（" + r.body.error.message + "）");
      var problems = (r.body && r.body.problems) || [];
      var mine = problems.filter(function (p) { return p.field === name; });
      fieldError(form, name, mine.length ? mine[0].message : "");
    });
  }

  function rowSay(row, message) {
    var old = row.querySelector(".upload-error");
    if (old) old.remove();
    if (!message) return;
    var note = document.createElement("small");
    note.className = "error upload-error";
    note.setAttribute("role", "alert");
    note.textContent = message;
    row.querySelector("[data-upload]").appendChild(note);
  }

  // After an upload only the row's "已提交" cell changes: it is read from a fresh copy of the page.
  function refreshRow(row) {
    return fetch(window.location.pathname, { headers: { Accept: "text/html" }, credentials: "same-origin" })
      .then(function (r) { return r.text(); })
      .then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        var fresh = page.getElementById(row.id);
        var cell = fresh && fresh.querySelector("[data-provided]");
        if (cell) row.querySelector("[data-provided]").replaceWith(document.importNode(cell, true));
      });
  }

  function upload(form, row, files) {
    var code = row.getAttribute("data-material");
    var input = row.querySelector("input[type=file]");
    var bar = row.querySelector("progress");
    var button = row.querySelector("button[value=upload]");
    if (!files.length) { input.focus(); return; }
    for (var i = 0; i < files.length; i++) {
      if (files[i].size > LIMIT) { rowSay(row, "「" + files[i].name + "」超过 10 MB，请压缩或分页扫描后再上传。"); return; }
    }
    var data = new FormData();
    data.append("csrf_token", csrf(form));
    data.append("_only", "");
    for (var j = 0; j < files.length; j++) data.append("file_" + code, files[j]);
    rowSay(row, "");
    if (bar) { bar.hidden = false; bar.value = 0; }
    if (button) { button.disabled = true; button.textContent = "上传中…"; }
    post(form, data, function (e) {
      if (bar && e.lengthComputable) bar.value = Math.round((e.loaded / e.total) * 100);
    }).then(function (r) {
      if (button) { button.disabled = false; button.textContent = "上传"; }
      if (bar) bar.hidden = true;
      input.value = "";
      if (r.status === 0) { rowSay(row, "网络异常，文件未上传成功，请重试。"); return; }
      var problems = (r.body && r.body.problems) || [];
      var mine = problems.filter(function (p) { return p.field === "materials." + code; });
      if (mine.length) rowSay(row, mine[0].message);
      else if (r.body && r.body.error) rowSay(row, r.body.error.message);
      else if (r.status === 413) rowSay(row, "文件过大，请压缩后再上传。");
      else if (r.status >= 400) rowSay(row, "上传未成功（" + r.status + "），请重试。");
      else status(form, "（文件已上传 " + (r.body.saved_at || "") + "）");
      refreshRow(row);
    });
  }

  function oneForm(form) {
    form.addEventListener("change", function (event) {
      var el = event.target;
      if (!el.name || el.type === "hidden") return;
      if (el.type === "file") { upload(form, el.closest("tr"), el.files); return; }
      if (el.name === "commitments") return; // saved with the form's buttons
      saveField(form, el.name);
    });
    form.addEventListener("click", function (event) {
      var button = event.target.closest("button[value=upload]");
      if (!button) return;
      event.preventDefault();
      var row = button.closest("tr");
      upload(form, row, row.querySelector("input[type=file]").files);
    });
    form.querySelectorAll("[data-upload]").forEach(function (zone) {
      zone.addEventListener("dragover", function (e) { e.preventDefault(); zone.classList.add("dropping"); });
      zone.addEventListener("dragleave", function () { zone.classList.remove("dropping"); });
      zone.addEventListener("drop", function (e) {
        e.preventDefault();
        zone.classList.remove("dropping");
        upload(form, zone.closest("tr"), e.dataTransfer.files);
      });
    });
    var summary = document.getElementById("problems");
    if (summary) summary.focus();
  }

  // 容缺 supply forms (one file, no typed data around them): XHR with progress, then the page again.
  function single(form, event) {
    var input = form.querySelector("input[type=file]");
    if (!input || !input.files.length) return;
    event.preventDefault();
    if (input.files[0].size > LIMIT) { window.alert("文件超过 10 MB，请压缩或分页扫描后再上传。"); return; }
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.onload = function () { window.location.assign(xhr.responseURL || window.location.href); };
    xhr.send(new FormData(form));
  }

  document.querySelectorAll("form[data-one-form]").forEach(oneForm);
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form instanceof HTMLFormElement && form.hasAttribute("data-upload-single")) single(form, event);
  });
})();
