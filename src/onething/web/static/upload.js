// Uploads with a progress bar. Without JavaScript the same form posts normally; with it, the file goes
// through XMLHttpRequest (fetch reports no upload progress) and the page then shows where the server sent it.
(function () {
  "use strict";
  var LIMIT = 10 * 1024 * 1024; // the page says 单个文件不超过 10 MB; the server refuses larger bodies too

  function say(form, message) {
    var old = form.querySelector(".upload-error");
    if (old) old.remove();
    var note = document.createElement("small");
    note.className = "error upload-error";
    note.setAttribute("role", "alert");
    note.textContent = message; // text only: nothing from the response is read as HTML
    form.appendChild(note);
  }

  function reset(form, bar, button) {
    if (button) { button.disabled = false; button.textContent = "上传"; }
    if (bar) bar.hidden = true;
  }

  function send(form, event) {
    var input = form.querySelector("input[type=file]");
    if (!input || !input.files.length) return;
    event.preventDefault();
    if (input.files[0].size > LIMIT) { say(form, "文件超过 10 MB，请压缩或分页扫描后再上传。"); return; }
    var bar = form.querySelector("progress");
    var button = form.querySelector("button[type=submit]");
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("Accept", "text/html");
    if (bar) { bar.hidden = false; bar.value = 0; }
    if (button) { button.disabled = true; button.textContent = "上传中…"; }
    xhr.upload.onprogress = function (e) {
      if (bar && e.lengthComputable) bar.value = Math.round((e.loaded / e.total) * 100);
    };
    xhr.onload = function () {
      if (xhr.status < 400) {
        // Usually the server sends us back to this very page: a fragment-only change would not reload it.
        if (xhr.responseURL === window.location.href.split("#")[0]) window.location.reload();
        else window.location.assign(xhr.responseURL);
        return;
      }
      reset(form, bar, button);
      var message = "上传未成功（" + xhr.status + "），请重试。";
      try { message = JSON.parse(xhr.responseText).error.message || message; } catch (e) {
        var page = new DOMParser().parseFromString(xhr.responseText, "text/html");
        var alert = page.querySelector("main [role=alert]");
        if (alert && alert.textContent.trim()) message = alert.textContent.trim();
      }
      say(form, message);
    };
    xhr.onerror = function () {
      reset(form, bar, button);
      say(form, "网络异常，文件未上传成功，请重试。");
    };
    xhr.send(new FormData(form));
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form instanceof HTMLFormElement && form.hasAttribute("data-upload")) send(form, event);
  });
})();
