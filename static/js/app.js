// Small behaviours on top of htmx; every page also works without this file.
document.addEventListener("htmx:afterSwap", (event) => {
  // After a 422 swap, move focus to the error summary so screen readers announce it.
  const summary = event.detail.target.querySelector(".error-summary");
  if (summary) summary.focus();
});

document.addEventListener("htmx:sendError", () => {
  // The request never reached the server (no signal): say so instead of failing silently.
  const notices = document.getElementById("notices");
  const message = document.body.dataset.offlineMessage;
  if (notices && message) {
    const notice = document.createElement("p");
    notice.className = "notice notice-error";
    notice.textContent = message;
    notices.replaceChildren(notice);
  }
});
