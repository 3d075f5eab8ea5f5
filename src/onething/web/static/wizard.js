// 智能导办: after htmx swaps in the next question, keyboard and screen-reader users continue from that
// question (or its error), not from the top of the page.
(function () {
  "use strict";
  document.addEventListener("htmx:afterSettle", function (event) {
    var swapped = event.detail && event.detail.target;
    var wizard = document.getElementById("wizard");
    if (!wizard || !swapped || swapped.id !== "wizard") return; // (the swapped-out panel keeps its id)
    var next = wizard.querySelector("#q-error") || wizard.querySelector("legend[tabindex]") ||
      wizard.querySelector("button[type=submit]");
    if (next) next.focus();
  });
})();
