// Legal acts with JavaScript: the statement the server wrote into data-confirm (what the act will do)
// comes as a dialog before the form is sent; confirming adds confirmed=1. Without JavaScript the
// server answers the unconfirmed post with the same statement on a page (web/confirm.py).
(function () {
  "use strict";
  var dialog = null;

  function build() {
    dialog = document.createElement("dialog");
    dialog.className = "confirm-dialog";
    dialog.setAttribute("aria-labelledby", "confirm-dialog-title");
    dialog.innerHTML =
      '<form method="dialog"><h2 id="confirm-dialog-title">请确认</h2><p class="consequence"><strong></strong></p>' +
      '<p class="opinion" hidden></p><p><button value="yes">确认</button> <button value="no" class="secondary">取消</button></p></form>';
    document.body.appendChild(dialog);
  }

  function opinionOf(form) {
    var typed = form.querySelector("textarea[name=opinion], input[name=opinion], input[name=reason]");
    if (typed && typed.value.trim()) return typed.value.trim();
    var chosen = form.querySelector("select[name=template]");
    if (chosen && chosen.value) return chosen.options[chosen.selectedIndex].text;
    return "";
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-confirm")) return;
    if (form.querySelector("input[name=confirmed]")) return;
    // An act that states reasons, sent without any: the server says so beside the box, no dialog first.
    if (form.hasAttribute("data-needs-reason") && !opinionOf(form)) return;
    if (typeof HTMLDialogElement === "undefined") return; // the server's confirmation page instead
    event.preventDefault();
    if (!dialog) build();
    var submitter = event.submitter || null;
    dialog.querySelector(".consequence strong").textContent = form.getAttribute("data-confirm");
    var said = opinionOf(form);
    var note = dialog.querySelector(".opinion");
    note.textContent = said ? "意见：" + said : "";
    note.hidden = !said;
    var yes = dialog.querySelector("button[value=yes]");
    yes.textContent = (submitter && submitter.textContent.trim()) ? "确认" + submitter.textContent.trim() : "确认";
    dialog.onclose = function () {
      if (dialog.returnValue !== "yes") return;
      var mark = document.createElement("input");
      mark.type = "hidden"; mark.name = "confirmed"; mark.value = "1";
      form.appendChild(mark);
      if (form.requestSubmit) form.requestSubmit(submitter); else form.submit();
    };
    dialog.returnValue = "";
    dialog.showModal();
    yes.focus();
  });
})();
