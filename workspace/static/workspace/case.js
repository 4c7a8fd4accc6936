"use strict";
// The case page's quick forms without a page reload (workspace/case_views.py). Without this script each
// form posts and the server redirects back to the page; with it, the form posts with fetch and asks for
// JSON: on success the server sends the parts of the page it changed (rendered by the same templates)
// and they replace the old ones; on a refusal it sends the form again with its errors and what was typed.
// No inline script or handler anywhere: the Content-Security-Policy forbids them.
(() => {
  const live = () => document.getElementById("case-status-message");

  function replace(id, html) {
    const old = document.getElementById(id);
    if (!old) return null;
    const template = document.createElement("template");
    template.innerHTML = html.trim();
    const fresh = template.content.firstElementChild;
    old.replaceWith(fresh);
    return fresh;
  }

  function focusFirstField(form) {
    const field = form && form.querySelector("textarea, input[type=text], input:not([type=hidden]), select");
    if (field) field.focus({ preventScroll: true });
  }

  function announce(message) {
    const region = live();
    if (region) region.textContent = message || "";
  }

  async function submit(form, submitter) {
    const id = form.id;
    const panel = form.closest("section[id]");
    const data = new FormData(form);
    if (submitter && submitter.name) data.append(submitter.name, submitter.value);
    form.setAttribute("aria-busy", "true");
    let response;
    try {
      response = await fetch(form.action, {
        method: "POST",
        body: data,
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
    } catch (error) {
      form.removeAttribute("aria-busy");
      fail(form, null);
      return;
    }
    let body = null;
    try {
      body = await response.json();
    } catch (error) {
      body = null;
    }
    form.removeAttribute("aria-busy");
    if (response.ok && body && body.parts) {
      const panelId = panel ? panel.id : null;
      for (const [partId, html] of Object.entries(body.parts)) replace(partId, html);
      announce(body.message);
      // Focus: the same form again (empty, ready for the next entry) or, if it is gone (a task marked
      // done), the panel it was in.
      const again = document.getElementById(id);
      if (again && again.querySelector("textarea, input[type=text]")) {
        focusFirstField(again);
      } else if (panelId && document.getElementById(panelId)) {
        document.getElementById(panelId).focus({ preventScroll: true });
      }
      return;
    }
    if (response.status === 400 && body && body.forms) {
      let fresh = null;
      for (const [key, html] of Object.entries(body.forms)) fresh = replace(`${key}-form`, html) || fresh;
      const summary = document.getElementById(body.focus);
      if (summary) {
        const details = summary.closest("details");
        if (details) details.open = true;
        summary.scrollIntoView({ block: "center" });
        summary.focus({ preventScroll: true });
      }
      return;
    }
    fail(form, body && body.message);
  }

  // Refused (403) or not answered: said at the top of the form, whose fields keep what was typed.
  function fail(form, message) {
    const summary = document.getElementById(`${form.id.replace(/-form$/, "")}-errors`);
    const page = document.querySelector("[data-failed]");
    if (!summary) return;
    summary.textContent = "";
    const text = document.createElement("p");
    text.textContent = message || (page ? page.dataset.failed : "");
    summary.appendChild(text);
    summary.setAttribute("role", "alert");
    summary.scrollIntoView({ block: "center" });
    summary.focus({ preventScroll: true });
  }

  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-quick")) return;
    if (!window.fetch || form.getAttribute("aria-busy") === "true") {
      if (form.getAttribute("aria-busy") === "true") event.preventDefault();
      return;
    }
    event.preventDefault();
    submit(form, event.submitter);
  });

  // A link in an error summary moves focus to its field.
  document.addEventListener("click", (event) => {
    const link = event.target.closest(".ws-form-errors a[href^='#']");
    if (!link) return;
    const field = document.getElementById(link.getAttribute("href").slice(1));
    if (field) {
      event.preventDefault();
      field.focus();
    }
  });
})();
