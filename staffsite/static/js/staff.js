"use strict";
// Behaviour of the staff UI's own markup, kept out of the templates so that the Content-Security-Policy
// can forbid inline script: the language selector submits its form when a language is chosen.
document.addEventListener("DOMContentLoaded", () => {
  const select = document.getElementById("language-select");
  if (select) {
    select.addEventListener("change", () => select.form.submit());
  }
});

// The admin's autocomplete posts what is typed (staffsite/admin_search.py), so names stay out of addresses;
// a same-origin POST made with the admin's jQuery carries the page's CSRF token (every staff page has
// one in its language form; the cookie itself is not readable from script).
if (window.django && window.django.jQuery) {
  window.django.jQuery.ajaxPrefilter((options, original, xhr) => {
    const token = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (!options.crossDomain && String(options.type).toUpperCase() === "POST" && token) {
      xhr.setRequestHeader("X-CSRFToken", token.value);
    }
  });
}
