// Small behaviours on top of htmx; every page also works without this file.
document.addEventListener("htmx:afterSwap", (event) => {
  // After a 422 swap, move focus to the error summary so screen readers announce it.
  const summary = event.detail.target.querySelector(".error-summary");
  if (summary) summary.focus();
});

document.addEventListener("htmx:sendError", (event) => {
  // The request never reached the server (no signal): say so instead of failing silently.
  // A form marked data-outbox is kept on the phone instead (outbox.js says so).
  if (event.detail.elt.closest && event.detail.elt.closest("form[data-outbox]")) return;
  const notices = document.getElementById("notices");
  const message = document.body.dataset.offlineMessage;
  if (notices && message) {
    const notice = document.createElement("p");
    notice.className = "notice notice-error";
    notice.textContent = message;
    notices.replaceChildren(notice);
  }
});

document.addEventListener("change", (event) => {
  // A resident picks the first day: the last day's picker moves to the period the rules allow.
  const start = event.target;
  if (!start.matches('input[type="date"][name$="start_date"]') || !start.value || !start.form) return;
  const end = start.form.querySelector('input[type="date"][data-max-length-days]');
  if (!end) return;
  const last = new Date(`${start.value}T00:00:00Z`);
  last.setUTCDate(last.getUTCDate() + Number(end.dataset.maxLengthDays) - 1);
  end.min = start.value;
  end.max = last.toISOString().slice(0, 10);
});
