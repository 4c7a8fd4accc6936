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

// A case's subtypes belong to its category: the subtype list offers the chosen category's only (the
// server refuses any other; this only spares the officer the choice).
document.addEventListener("DOMContentLoaded", () => {
  const category = document.getElementById("id_category");
  const subtype = document.getElementById("id_subtype");
  if (!category || !subtype || category.tagName !== "SELECT" || subtype.tagName !== "SELECT") {
    return;
  }
  const groups = Array.from(subtype.querySelectorAll("optgroup"));
  const sync = () => {
    const option = category.options[category.selectedIndex];
    const label = option ? option.textContent.trim() : "";
    for (const group of groups) {
      const match = group.label === label;
      group.hidden = !match;
      group.disabled = !match;
    }
    const chosen = subtype.options[subtype.selectedIndex];
    if (chosen && chosen.parentElement.tagName === "OPTGROUP" && chosen.parentElement.disabled) {
      subtype.value = "";
    }
  };
  category.addEventListener("change", sync);
  sync();
});

// A printable page's print button (the hand-off sheet): the browser's print dialog.
document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll("[data-print]")) {
    button.addEventListener("click", () => window.print());
  }
});

// A form sent back with errors: its summary at the top is brought into view, announced and focused, so
// the officer sees why nothing was saved without scrolling (each error is also next to its field).
document.addEventListener("DOMContentLoaded", () => {
  const note = document.querySelector("#content-main .errornote, #content .errornote");
  if (note && !document.getElementById("ws-errors")) {
    note.setAttribute("role", "alert");
    note.setAttribute("tabindex", "-1");
    note.scrollIntoView({ block: "center" });
    note.focus({ preventScroll: true });
  }
});

// A long list to choose from (the consulates a case is handed over to): typing in the search box beside it
// shows only the options whose text, or whose group (the state), contains what is typed.
document.addEventListener("DOMContentLoaded", () => {
  for (const box of document.querySelectorAll("[data-filter-select]")) {
    const select = document.getElementById(box.dataset.filterSelect);
    if (!select) {
      continue;
    }
    const plain = (text) => text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
    box.addEventListener("input", () => {
      const typed = plain(box.value.trim());
      for (const group of select.querySelectorAll("optgroup")) {
        const groupMatches = plain(group.label).includes(typed);
        let shown = 0;
        for (const option of group.querySelectorAll("option")) {
          const match = !typed || groupMatches || plain(option.textContent).includes(typed);
          option.hidden = !match;
          shown += match ? 1 : 0;
        }
        group.hidden = shown === 0;
      }
      const visible = Array.from(select.options).filter((option) => option.value && !option.hidden);
      if (visible.length === 1) {
        select.value = visible[0].value;
      }
    });
  }
});
