// Uploads with a progress bar. Without JavaScript the same form posts normally; with it, the file goes
// through XMLHttpRequest (fetch reports no upload progress) and the page then shows where the server sent it.
(function () {
  "use strict";
  function send(form, event) {
    var input = form.querySelector("input[type=file]");
    if (!input || !input.files.length) return;
    event.preventDefault();
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
      } else {
        document.open();
        document.write(xhr.responseText);
        document.close();
      }
    };
    xhr.onerror = function () {
      if (button) { button.disabled = false; button.textContent = "重新上传"; }
      if (bar) bar.hidden = true;
      window.alert("网络异常，文件未上传成功，请重试。");
    };
    xhr.send(new FormData(form));
  }
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form instanceof HTMLFormElement && form.hasAttribute("data-upload")) send(form, event);
  });
})();
