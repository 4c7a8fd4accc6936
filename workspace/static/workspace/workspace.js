// The workspace pages: a refused action's summary is brought into view and focused, so it is seen and
// announced (it carries role="alert"); each message links to the row it is about.
document.addEventListener("DOMContentLoaded", () => {
  const errors = document.getElementById("ws-errors");
  if (errors) {
    errors.scrollIntoView({ block: "start" });
    errors.focus();
  }
});
