// The outbox: a record form marked data-outbox whose submission cannot reach the server (no
// network, a time-out, 5xx, 408, 429) is kept on this phone in IndexedDB, with its client UUID
// and photos, and sends itself when it can: when the network returns, when the app starts and
// on "Send now"; oldest first, with back-off. The server is idempotent on the client UUID, so
// every resend is safe; an item leaves the phone only when the server has accepted it.
// Items belong to the officer who saved them (CONFIG.user) and are never shown to another.
// Settings and translated strings come from the page (templates/_partials/offline.html).
(() => {
  const configElement = document.getElementById("offline-config");
  if (!configElement || !window.indexedDB) return;
  const CONFIG = JSON.parse(configElement.textContent);
  const T = CONFIG.strings;
  const USER = CONFIG.user;
  const OUTBOX_FORM = "form[data-outbox]";
  const REFUSING_FORM = "form[data-outbox-refuse]";
  const UUID_FIELD = 'input[name="client_uuid"]';
  const MANY_TRIES = 5;
  const FIRST_WAIT_MS = 3000;
  const LONGEST_WAIT_MS = 5 * 60 * 1000;
  const STORE = "outbox";
  const lang = document.documentElement.lang || "en";

  // -- IndexedDB --------------------------------------------------------------------------
  let database;
  function db() {
    database ||= new Promise((resolve, reject) => {
      const opening = indexedDB.open("cso-field", 1);
      opening.onupgradeneeded = () => opening.result.createObjectStore(STORE, { keyPath: "uuid" });
      opening.onsuccess = () => resolve(opening.result);
      opening.onerror = () => reject(opening.error);
    });
    return database;
  }

  // One transaction; resolves with work's result once it is committed to disk.
  async function withStore(mode, work) {
    const transaction = (await db()).transaction(STORE, mode, { durability: "strict" });
    const request = work(transaction.objectStore(STORE));
    return new Promise((resolve, reject) => {
      transaction.oncomplete = () => resolve(request && request.result);
      transaction.onerror = transaction.onabort = () => reject(transaction.error);
    });
  }

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

  // -- What the officer sees ----------------------------------------------------------------
  function plural(key, num) {
    const form = new Intl.PluralRules(lang).select(num) === "one" ? "one" : "other";
    return T[`${key}_${form}`].replace("{num}", num);
  }

  function announce(message, category) {
    const notices = document.getElementById("notices");
    if (!notices) return;
    const notice = document.createElement("p");
    notice.className = `notice notice-${category}`;
    notice.textContent = message;
    notices.replaceChildren(notice);
  }

  function announceLogin() {
    const notices = document.getElementById("notices");
    if (!notices) return;
    const notice = document.createElement("p");
    notice.className = "notice notice-error";
    const link = document.createElement("a");
    link.href = CONFIG.login;
    link.textContent = T.log_in;
    notice.append(T.login_needed, " ", link);
    notices.replaceChildren(notice);
  }

  let networkState = navigator.onLine ? "online" : "offline";
  function showNetwork(state) {
    networkState = state || (navigator.onLine ? "online" : "offline");
    const element = document.querySelector("[data-net-state]");
    if (!element) return;
    element.textContent = T[networkState];
    element.dataset.state = networkState;
    element.hidden = false;
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

  function needsAttention(item) {
    return item.state === "rejected" || item.attempts >= MANY_TRIES;
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

  async function refresh() {
    const items = USER ? await myItems() : [];
    const nav = document.querySelector("[data-outbox-nav]");
    if (nav) {
      nav.hidden = items.length === 0;
      nav.classList.toggle("attention", items.some(needsAttention));
      nav.querySelector("[data-outbox-count]").textContent = items.length;
      nav.querySelector("a").setAttribute("aria-label", plural("waiting", items.length));
    }
    const list = document.querySelector("[data-outbox-list]");
    if (list) {
      list.replaceChildren(...items.map(itemRow));
      document.querySelector("[data-outbox-empty]").hidden = items.length > 0;
    }
    return items;
  }

  // -- Keeping a submission -------------------------------------------------------------------
  function titleOf(form, entries, submitter) {
    const choice = submitter && submitter.textContent.trim();
    // The first words the officer wrote (a textarea), to tell items apart.
    const written = entries.find(([name, value]) => typeof value === "string" && value.trim()
      && form.querySelector(`textarea[name="${CSS.escape(name)}"]`));
    const snippet = written ? written[1].trim().slice(0, 80) : "";
    return { title: form.dataset.outbox, detail: [choice, snippet].filter(Boolean).join(" · ") };
  }

  function pagePath() {
    const url = new URL(location.href);
    url.searchParams.delete("outbox");
    return url.pathname + url.search;
  }

  async function keep(form, pending, attempts) {
    const uuid = pending.entries.find(([name]) => name === "client_uuid")[1];
    const item = {
      uuid, user: USER, action: pending.action, page: pagePath(), formId: form.id,
      ...titleOf(form, pending.entries, pending.submitter), entries: pending.entries,
      createdAt: Date.now(), attempts,
      nextTry: attempts ? Date.now() + backOff(attempts) : 0, state: "waiting", answer: null,
    };
    // One transaction: a resent (reopened) item keeps its place in the queue.
    await withStore("readwrite", (store) => {
      store.get(uuid).onsuccess = (event) => {
        const earlier = event.target.result;
        if (earlier && earlier.user === USER) item.createdAt = earlier.createdAt;
        store.put(item);
      };
    });
    announce(T.saved, "success");
    startAnew(form);
    await refresh();
    schedule();
  }

  // The form is ready for the next record: emptied, with a new client UUID.
  function startAnew(form) {
    form.reset();
    form.querySelector(UUID_FIELD).value = crypto.randomUUID();
    for (const input of form.querySelectorAll('input[type="file"]')) {
      input.dispatchEvent(new Event("change", { bubbles: true }));
    }
  }

  function outboxFormOf(event) {
    const element = event.detail && event.detail.elt;
    return element && element.closest ? element.closest(OUTBOX_FORM) : null;
  }

  document.addEventListener("htmx:configRequest", (event) => {
    const refusing = event.detail.elt.closest && event.detail.elt.closest(REFUSING_FORM);
    if (refusing && !navigator.onLine) {
      event.preventDefault();
      announce(T.refused, "error");
      return;
    }
    const form = outboxFormOf(event);
    if (!form || event.detail.verb !== "post" || !USER) return;
    const entries = Array.from(event.detail.formData.entries());
    const submitter = event.detail.triggeringEvent && event.detail.triggeringEvent.submitter;
    form.outboxPending = { entries, submitter, action: event.detail.path };
    if (!navigator.onLine) {
      event.preventDefault();
      keep(form, form.outboxPending, 0);
      form.outboxPending = null;
      return;
    }
    const photos = entries.some(([, value]) => value instanceof Blob && value.size);
    event.detail.timeout = photos ? 120000 : 30000;
  });

  function keepAfterFailure(event) {
    const form = outboxFormOf(event);
    if (!form || !form.outboxPending) return false;
    keep(form, form.outboxPending, 1);
    form.outboxPending = null;
    return true;
  }

  const retryable = (status) => status >= 500 || status === 408 || status === 429;

  document.addEventListener("htmx:sendError", keepAfterFailure);
  document.addEventListener("htmx:timeout", keepAfterFailure);
  document.addEventListener("htmx:beforeSwap", (event) => {
    if (!retryable(event.detail.xhr.status) || !outboxFormOf(event)) return;
    if (keepAfterFailure(event)) {
      event.detail.shouldSwap = false;
      event.detail.isError = false;
    }
  });
  // Accepted: a copy reopened from the outbox (a refused item, corrected) is done. It leaves
  // the phone before the page moves on, so no navigation can cut its removal short.
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

  // -- Sending --------------------------------------------------------------------------------
  function backOff(attempts) {
    const wait = FIRST_WAIT_MS * 2 ** Math.max(0, attempts - 1);
    return Math.min(wait, LONGEST_WAIT_MS) * (0.8 + Math.random() * 0.4);
  }

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
    if (response.ok) {
      await remove(item.uuid);
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

  let sending = false;
  async function sendAll(force) {
    if (!USER || sending || !navigator.onLine) return;
    sending = true;
    try {
      const sent = await navigator.locks.request("cso-outbox-send", () => sendBatch(force));
      if (sent) announce(plural("sent", sent), "success");
    } finally {
      sending = false;
      showNetwork();
      await refresh();
      schedule();
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

  // -- Logging out ------------------------------------------------------------------------------
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

  // Whatever this officer kept on the phone: queued items, kept pages, who is logged in.
  async function clearPhone() {
    for (const item of await myItems()) await remove(item.uuid);
    for (const name of await caches.keys()) {
      if (name.startsWith("cso-pages-") || name === "cso-state") await caches.delete(name);
    }
  }

  document.addEventListener("submit", async (event) => {
    const form = event.target;
    if (new URL(form.action, location.href).pathname !== CONFIG.logout || form.dataset.cleared) return;
    event.preventDefault();
    const waiting = (await myItems()).length;
    if (waiting && !(await confirmLogout(waiting))) return;
    await clearPhone();
    form.dataset.cleared = "1";
    form.submit();
  });

  // -- Starting -----------------------------------------------------------------------------------
  async function start() {
    const body = document.body.dataset;
    if (body.offlineCopy !== undefined) {
      const time = new Date(body.offlineCopy);
      const when = Number.isNaN(time.getTime()) ? "" : new Intl.DateTimeFormat(lang, {
        dateStyle: "medium", timeStyle: "short",
      }).format(time);
      const banner = document.createElement("p");
      banner.className = "notice notice-info offline-banner";
      banner.textContent = T.offline_copy.replace("{time}", when);
      document.getElementById("content").prepend(banner);
    }
    if (body.offlineMissing !== undefined) announce(T.not_on_phone, "info");
    // A kept page's form carries the UUID it was rendered with: each new record needs its own.
    const reopening = new URLSearchParams(location.search).get("outbox");
    for (const form of document.querySelectorAll(OUTBOX_FORM)) {
      const field = form.querySelector(UUID_FIELD);
      if (field && (body.offlineCopy !== undefined || (await get(field.value)))) {
        field.value = crypto.randomUUID();
      }
    }
    if (reopening) await reopen(reopening);
    showNetwork();
    await refresh();
    sendAll(false);
  }

  window.addEventListener("online", () => { showNetwork(); sendAll(true); });
  window.addEventListener("offline", () => showNetwork());
  document.addEventListener("click", (event) => {
    if (event.target.closest("[data-outbox-send]")) sendAll(true);
  });
  setInterval(() => { if (document.querySelector("[data-outbox-list]")) refresh(); }, 30000);
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(CONFIG.sw, { scope: "/" }).catch(() => {});
  }
  start();
})();
