"use strict";
// Behaviour of the staff UI's own markup, kept out of the templates so that the Content-Security-Policy
// can forbid inline script: the language selector submits its form when a language is chosen.
document.addEventListener("DOMContentLoaded", () => {
  const select = document.getElementById("language-select");
  if (select) {
    select.addEventListener("change", () => select.form.submit());
  }
});
