// The outbox's second half (static/js/outbox.js loads it when something is waiting, on the
// outbox page, on a kept copy, when an item is reopened and to log out): sending, the list of
// waiting items, reopening a refused item in its form, the offline banners and the logout
// question. Pages with nothing waiting never load it. Its strings come with /offline/session
// (the outbox page, shown offline too, carries them all).
window.csoOutboxMore = (core) => {
  const { CONFIG, T, USER, UUID_FIELD, lang, root, withStore } = core;
  const { busy, announce, showNetwork, retryable, outboxFormOf } = core;
  const MANY_TRIES = 5;
  const FIRST_WAIT_MS = 3000;
  const LONGEST_WAIT_MS = 5 * 60 * 1000;

  const put = (item) => withStore("readwrite", (store) => store.put(item));
  const remove = (uuid) => withStore("readwrite", (store) => store.delete(uuid));
  async function get(uuid) {
    const item = await withStore("readonly", (store) => store.get(uuid));
    return item && item.user === USER ? item : null;
  }

  async function myItems() {
    const all = await withStore("readonly", (store) => store.getAll());
    return all.filter((item) => item.user === USER).sort((a, b) => a.createdAt - b.createdAt);
  }

  function plural(key, num) {
    const form = new Intl.PluralRules(lang).select(num) === "one" ? "one" : "other";
    return T[`${key}_${form}`].replace("{num}", num);
  }

  const needsAttention = (item) => item.state === "rejected" || item.attempts >= MANY_TRIES;

  // The strings ordinary pages do not carry: the officer's kept outbox page has them all, even
  // offline; /offline/session (asked before each send) brings them too.
  async function loadStrings() {
    if (T.open) return;
    try {
      const kept = await caches.match(CONFIG.outbox, { ignoreSearch: true });
      const page = kept && new DOMParser().parseFromString(await kept.text(), "text/html");
      const config = page && JSON.parse(page.getElementById("offline-config").textContent);
      if (config && config.user === USER) Object.assign(T, config.strings, { ...T });
    } catch {
      // Not kept yet: the session brings them.
    }
  }

  // The nav's count of waiting items, and the outbox page's list.
  async function refresh() {
    const items = USER ? await myItems() : [];
    const nav = document.querySelector("[data-outbox-nav]");
    if (nav) {
      nav.hidden = items.length === 0;
      nav.classList.toggle("attention", items.some(needsAttention));
      nav.querySelector("[data-outbox-count]").textContent = items.length;
      nav.querySelector("a").setAttribute("aria-label", plural("waiting", items.length));
    }
    render(items);
    return items;
  }

  function backOff(attempts) {
    const wait = FIRST_WAIT_MS * 2 ** Math.max(0, attempts - 1);
    return Math.min(wait, LONGEST_WAIT_MS) * (0.8 + Math.random() * 0.4);
  }

  function announceLogin() {
    const notices = document.getElementById("notices");
    if (!notices) return;
    const notice = document.createElement("p");
    notice.className = "notice notice-error";
    const link = document.createElement("a");
    link.href = CONFIG.login;
    link.textContent = T.log_in || CONFIG.login;
    notice.append(T.login_needed || "", " ", link);
    notices.replaceChildren(notice);
  }

  function relativeAge(time) {
    const seconds = Math.round((time - Date.now()) / 1000);
    const format = new Intl.RelativeTimeFormat(lang, { numeric: "auto" });
    const steps = [[60, "second"], [60, "minute"], [24, "hour"], [Infinity, "day"]];
    let value = seconds;
    for (const [size, unit] of steps) {
      if (Math.abs(value) < size) return format.format(value, unit);
      value = Math.round(value / size);
    }
    return "";
  }

  function stateText(item) {
    if (item.state === "rejected") return T.state_rejected;
    if (item.needsLogin) return T.state_login;
    if (item.attempts >= MANY_TRIES) return T.state_stuck.replace("{num}", item.attempts);
    if (item.attempts > 0) return T.state_retrying.replace("{num}", item.attempts);
    return T.state_waiting;
  }

  // The server's own messages from a refused item's answer (its form, re-rendered).
  function answerMessages(item) {
    if (!item.answer) return "";
    const answer = new DOMParser().parseFromString(item.answer, "text/html");
    const errors = answer.querySelectorAll(".error-summary li, .error, .notice");
    const texts = Array.from(errors, (element) => element.textContent.trim()).filter(Boolean);
    return Array.from(new Set(texts)).join(" ");
  }

  function openUrl(item) {
    const url = new URL(item.page, location.href);
    url.searchParams.set("outbox", item.uuid);
    return url.pathname + url.search;
  }

  function itemRow(item) {
    const row = document.createElement("li");
    row.className = "record outbox-item" + (needsAttention(item) ? " attention" : "");
    row.dataset.outboxItem = item.uuid;
    const main = document.createElement("div");
    main.className = "record-main";
    const title = document.createElement("strong");
    title.textContent = item.title;
    main.append(title);
    for (const text of [item.detail, T.saved_at.replace("{age}", relativeAge(item.createdAt)),
      stateText(item), item.state === "rejected" ? answerMessages(item) : ""]) {
      if (!text) continue;
      const line = document.createElement("span");
      line.className = "muted";
      line.textContent = text;
      main.append(line);
    }
    row.append(main);
    if (needsAttention(item)) {
      const open = document.createElement("a");
      open.className = "button-secondary";
      open.href = openUrl(item);
      open.textContent = T.open;
      row.append(open);
    }
    return row;
  }

  function render(items) {
    const list = document.querySelector("[data-outbox-list]");
    if (list) {
      list.replaceChildren(...items.map(itemRow));
      document.querySelector("[data-outbox-empty]").hidden = items.length > 0;
    }
    schedule();
  }

  // -- Sending --------------------------------------------------------------------------------
  let timer = null;
  async function schedule() {
    clearTimeout(timer);
    const waiting = (await myItems()).filter((item) => item.state === "waiting" && !item.needsLogin);
    if (!waiting.length) return;
    const next = Math.min(...waiting.map((item) => item.nextTry));
    timer = setTimeout(() => sendAll(false), Math.max(next - Date.now(), 500));
  }

  // The officer's session and a fresh CSRF token; null when the network fails.
  async function session() {
    try {
      const response = await fetch(CONFIG.session, {
        headers: { "HX-Request": "true", Accept: "application/json" },
        credentials: "same-origin",
        cache: "no-store",
      });
      if (response.status === 401 || response.status === 403 || response.redirected) {
        return { login: true };
      }
      if (!response.ok) return null;
      const state = await response.json();
      Object.assign(T, state.strings);
      return state.user === USER ? state : { login: true };
    } catch {
      return null;
    }
  }

  async function retryLater(item, response) {
    item.attempts += 1;
    const asked = response ? Number(response.headers.get("Retry-After")) * 1000 : 0;
    item.nextTry = Date.now() + Math.max(backOff(item.attempts), asked || 0);
    await put(item);
  }

  // "sent", "refused", "login" or "later" (the network or the server failed: stop for now).
  async function sendOne(item, csrfToken) {
    const body = new FormData();
    for (const [name, value] of item.entries) {
      body.append(name, name === "csrf_token" ? csrfToken : value);
    }
    let response;
    try {
      response = await fetch(item.action, {
        method: "POST",
        body,
        credentials: "same-origin",
        headers: {
          "HX-Request": "true",
          "HX-Current-URL": new URL(item.page, location.href).href,
          "X-CSRFToken": csrfToken,
        },
      });
    } catch {
      await retryLater(item, null);
      return "later";
    }
    if (response.status === 401 || response.status === 403 || response.redirected) {
      item.needsLogin = true;
      await put(item);
      return "login";
    }
    // Accepted: the server moves on (see_other's HX-Redirect). A 2xx page without it asks
    // for more (a questionnaire to fill in): the officer opens the item to go on.
    if (response.ok && (response.headers.get("HX-Redirect") || response.status === 204)) {
      await remove(item.uuid);
      item.redirect = response.headers.get("HX-Redirect");
      return "sent";
    }
    if (retryable(response.status)) {
      await retryLater(item, response);
      return "later";
    }
    Object.assign(item, { state: "rejected", answer: await response.text(), status: response.status });
    await put(item);
    return "refused";
  }

  async function sendBatch(force) {
    const now = Date.now();
    const due = (await myItems()).filter(
      (item) => item.state === "waiting" && (force || item.nextTry <= now),
    );
    if (!due.length) return 0;
    showNetwork("sending");
    const state = await session();
    if (!state) return 0;
    if (state.login) {
      for (const item of due) await put({ ...item, needsLogin: true });
      announceLogin();
      return 0;
    }
    let sent = 0;
    for (const queued of due) {
      const item = await get(queued.uuid);  // another tab may have sent it meanwhile
      if (!item || item.state !== "waiting") continue;
      item.needsLogin = false;
      const outcome = await sendOne(item, state.csrf_token);
      if (outcome === "sent") sent += 1;
      if (outcome === "login") announceLogin();
      if (outcome === "login" || outcome === "later") break;
    }
    return sent;
  }

  // One round at a time. Asked again during a round ("Send now", the network back), it runs
  // once more after it: what was put in the outbox meanwhile is not left for the timer.
  let sending = null;
  let again = null;  // null: no; false: the items due; true: every waiting item
  function sendAll(force) {
    if (!USER || !navigator.onLine) return Promise.resolve();
    if (sending) {
      again = again === true || force;
      return sending;
    }
    sending = busy(async () => {
      for (let next = force; next !== null; next = again) {
        again = null;
        await sendRound(next);
      }
    }).finally(() => {
      sending = null;
    });
    return sending;
  }

  async function sendRound(force) {
    try {
      const sent = await navigator.locks.request("cso-outbox-send", () => sendBatch(force));
      if (sent) announce(plural("sent", sent), "success");
    } finally {
      showNetwork();
      await refresh();
      root.dataset.outboxRounds = Number(root.dataset.outboxRounds || 0) + 1;
    }
  }

  // -- Reopening an item in its form ------------------------------------------------------------
  function fillForm(form, entries) {
    const files = new Map();
    for (const [name, value] of entries) {
      if (value instanceof Blob) {
        if (!files.has(name)) files.set(name, new DataTransfer());
        if (value.size) files.get(name).items.add(value);
        continue;
      }
      for (const field of form.querySelectorAll(`[name="${CSS.escape(name)}"]`)) {
        if (field.type === "file" || field.type === "submit" || field.tagName === "BUTTON") continue;
        if (field.type === "checkbox" || field.type === "radio") field.checked = field.value === value;
        else field.value = value;
      }
    }
    for (const [name, transfer] of files) {
      const input = form.querySelector(`input[type="file"][name="${CSS.escape(name)}"]`);
      if (!input) continue;
      input.files = transfer.files;
      input.dispatchEvent(new Event("change", { bubbles: true }));
    }
  }

  let reopened = null;  // the client UUID of the item reopened in this page's form
  async function reopen(uuid) {
    const item = await get(uuid);
    let form = item && document.getElementById(item.formId);
    if (!form) return;
    const answered = item.answer && new DOMParser().parseFromString(item.answer, "text/html");
    const returned = answered && answered.getElementById(item.formId);
    if (returned) {
      form.replaceWith(document.adoptNode(returned));
      form = returned;
      if (window.htmx) window.htmx.process(form);
    }
    fillForm(form, returned ? item.entries.filter(([, value]) => value instanceof Blob) : item.entries);
    form.querySelector(UUID_FIELD).value = item.uuid;
    reopened = item.uuid;
    const messages = answerMessages(item);
    announce(messages ? `${messages} ${T.opened}` : T.opened, "info");
  }

  // Accepted: a copy reopened from the outbox (a refused item, corrected) is done. It leaves
  // the phone before the page moves on, so no navigation can cut its removal short.
  // A reopened plain form (no hx-post), sent again online, goes through the outbox, so the
  // item leaves the phone only once the server has accepted it: then its page opens; a new
  // refusal reopens the form with the new messages; no answer keeps it waiting.
  document.addEventListener("submit", async (event) => {
    const form = event.target;
    const field = reopened && form.querySelector(UUID_FIELD);
    if (!field || field.value !== reopened || form.hasAttribute("hx-post") || !navigator.onLine) return;
    event.preventDefault();
    await busy(async () => {
      const item = await get(reopened);
      if (!item) return;
      const entries = Array.from(new FormData(form, event.submitter).entries());
      Object.assign(item, { entries, state: "waiting", attempts: 0, nextTry: 0, answer: null });
      await put(item);
      const state = await session();
      const outcome = state && !state.login ? await sendOne(item, state.csrf_token) : "later";
      if (outcome === "sent") location.href = item.redirect || CONFIG.outbox;
      else if (outcome === "refused") await reopen(item.uuid);
      else announce(T.saved, "success");
      await refresh();
    });
  });

  document.addEventListener("htmx:beforeOnLoad", (event) => {
    const form = outboxFormOf(event);
    const status = event.detail.xhr.status;
    if (!form || !form.outboxPending || status < 200 || status >= 300) return;
    const uuid = form.outboxPending.entries.find(([name]) => name === "client_uuid")[1];
    form.outboxPending = null;
    if (uuid !== reopened) return;
    const done = remove(uuid);
    const redirect = event.detail.xhr.getResponseHeader("HX-Redirect");
    if (redirect) {
      event.preventDefault();
      done.finally(() => { location.href = redirect; });
    } else {
      done.then(refresh);
    }
  });

  // -- Starting on a kept copy or to reopen an item ---------------------------------------------
  async function start(reopening) {
    const body = document.body.dataset;
    if (body.offlineCopy !== undefined) {
      const time = new Date(body.offlineCopy);
      const when = Number.isNaN(time.getTime()) ? "" : new Intl.DateTimeFormat(lang, {
        dateStyle: "medium", timeStyle: "short",
      }).format(time);
      // What the page said when it was kept ("… recorded.") is not news now.
      document.getElementById("notices").replaceChildren();
      const banner = document.createElement("p");
      banner.className = "notice notice-info offline-banner";
      banner.textContent = T.offline_copy.replace("{time}", when);
      document.getElementById("content").prepend(banner);
    }
    if (body.offlineMissing !== undefined) announce(T.not_on_phone, "info");
    if (reopening) await reopen(reopening);
  }

  // -- Logging out ------------------------------------------------------------------------------
  // Whatever this officer kept on the phone: queued items, kept pages, who is logged in.
  async function clearPhone() {
    for (const item of await myItems()) await remove(item.uuid);
    for (const name of await caches.keys()) {
      if (name.startsWith("cso-pages-") || name === "cso-state") await caches.delete(name);
    }
  }

  async function logOut(form) {
    const waiting = (await myItems()).length;
    if (waiting) {
      // The question's words come with the session; without the network there is no logout.
      const state = T.logout_keep ? {} : await session();
      if (!state) {
        announce(document.body.dataset.offlineMessage, "error");
        return;
      }
      if (state.login) {
        announceLogin();
        return;
      }
      if (!(await confirmLogout(waiting))) return;
    }
    await clearPhone();
    form.dataset.cleared = "1";
    form.submit();
  }

  function confirmLogout(count) {
    return new Promise((resolve) => {
      const dialog = document.createElement("dialog");
      dialog.className = "card confirm-dialog";
      const message = document.createElement("p");
      message.textContent = plural("logout_warning", count);
      const keepButton = document.createElement("button");
      keepButton.type = "button";
      keepButton.className = "button-primary";
      keepButton.textContent = T.logout_keep;
      const deleteButton = document.createElement("button");
      deleteButton.type = "button";
      deleteButton.className = "button-secondary";
      deleteButton.textContent = T.logout_delete;
      const actions = document.createElement("div");
      actions.className = "form-actions";
      actions.append(keepButton, deleteButton);
      dialog.append(message, actions);
      const close = (answer) => { dialog.close(); dialog.remove(); resolve(answer); };
      keepButton.addEventListener("click", () => close(false));
      deleteButton.addEventListener("click", () => close(true));
      dialog.addEventListener("cancel", () => close(false));
      document.body.append(dialog);
      dialog.showModal();
    });
  }

  document.addEventListener("click", (event) => {
    if (event.target.closest("[data-outbox-send]")) sendAll(true);
  });
  setInterval(() => { if (document.querySelector("[data-outbox-list]")) refresh(); }, 30000);
  return loadStrings().then(() => ({ refresh, render, sendAll, start, logOut }));
};
