// Standard opinions: choosing one copies its text into the opinion box, to be edited before
// deciding. Without this script the server takes the chosen text when the box is left empty.
"use strict";
for (const select of document.querySelectorAll("select[data-opinion-for]")) {
  select.addEventListener("change", () => {
    const box = document.getElementById(select.dataset.opinionFor);
    const text = select.selectedOptions[0]?.dataset.text;
    if (box && text) {
      box.value = text;
    }
  });
}
