// The outbox: a record form marked data-outbox whose submission cannot reach the server (no
// network, a time-out, 5xx, 408, 429) is kept on this phone in IndexedDB, with its client UUID
// and photos, and sends itself when it can: when the network returns, when the app starts and
// on "Send now"; oldest first, with back-off. The server is idempotent on the client UUID, so
// every resend is safe; an item leaves the phone only when the server has accepted it.
// Items belong to the officer who saved them (CONFIG.user) and are never shown to another.
// Settings and translated strings come from the page (templates/_partials/offline.html).
// This half is on every page (keeping a submission must take milliseconds); the other half,
// static/js/outbox-send.js (sending, the list, reopening, the logout question), loads only
// when something is waiting, on the outbox page, or when an item is reopened.
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
  const REOPENING = new URLSearchParams(location.search).get("outbox");
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

  // -- What the outbox is doing ---------------------------------------------------------------
  // <html data-outbox-state>: "busy" while it starts, keeps or sends, "idle" once all of that
  // has ended; data-outbox-rounds counts the send rounds ended on this page. Browser tests
  // wait on these states, never on time.
  const root = document.documentElement;
  let busyCount = 0;
  async function busy(work) {
    busyCount += 1;
    root.dataset.outboxState = "busy";
    try {
      return await work();
    } finally {
      busyCount -= 1;
      if (!busyCount) root.dataset.outboxState = "idle";
    }
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

  let networkState = navigator.onLine ? "online" : "offline";
  function showNetwork(state) {
    networkState = state || (navigator.onLine ? "online" : "offline");
    const element = document.querySelector("[data-net-state]");
    if (!element) return;
    element.textContent = T[networkState];
    element.dataset.state = networkState;
    element.hidden = false;
  }

  function needsAttention(item) {
    return item.state === "rejected" || item.attempts >= MANY_TRIES;
  }

  function backOff(attempts) {
    const wait = FIRST_WAIT_MS * 2 ** Math.max(0, attempts - 1);
    return Math.min(wait, LONGEST_WAIT_MS) * (0.8 + Math.random() * 0.4);
  }

  let more = null;
  function loadMore() {
    more ||= new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = CONFIG.more;
      script.onload = () => resolve(window.csoOutboxMore(core));
      script.onerror = () => { more = null; reject(new Error("outbox-send.js")); };
      document.head.append(script);
    });
    return more;
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
    if (items.length || REOPENING || document.querySelector("[data-outbox-list]")) {
      (await loadMore()).render(items);
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
      busy(() => keep(form, form.outboxPending, 0));
      form.outboxPending = null;
      return;
    }
    const photos = entries.some(([, value]) => value instanceof Blob && value.size);
    event.detail.timeout = photos ? 120000 : 30000;
  });

  function keepAfterFailure(event) {
    const form = outboxFormOf(event);
    if (!form || !form.outboxPending) return false;
    busy(() => keep(form, form.outboxPending, 1));
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
  // -- Logging out ------------------------------------------------------------------------------
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
    if (waiting && !(await (await loadMore()).confirmLogout(waiting))) return;
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
      // What the page said when it was kept ("… recorded.") is not news now.
      document.getElementById("notices").replaceChildren();
      const banner = document.createElement("p");
      banner.className = "notice notice-info offline-banner";
      banner.textContent = T.offline_copy.replace("{time}", when);
      document.getElementById("content").prepend(banner);
    }
    if (body.offlineMissing !== undefined) announce(T.not_on_phone, "info");
    // A kept page's form carries the UUID it was rendered with: each new record needs its own.
    for (const form of document.querySelectorAll(OUTBOX_FORM)) {
      const field = form.querySelector(UUID_FIELD);
      if (field && (body.offlineCopy !== undefined || (await get(field.value)))) {
        field.value = crypto.randomUUID();
      }
    }
    if (REOPENING) await (await loadMore()).reopen(REOPENING);
    const items = await refresh();
    showNetwork();  // shown once this phone's outbox has been read
    if (items.length) await (await loadMore()).sendAll(false);
  }

  const core = {
    CONFIG, T, USER, UUID_FIELD, MANY_TRIES, lang, withStore, put, remove, get, myItems,
    plural, announce, showNetwork, needsAttention, backOff, retryable, outboxFormOf, refresh,
    busy, root,
  };
  window.addEventListener("online", () => busy(async () => {
    showNetwork();
    if ((await refresh()).length) await (await loadMore()).sendAll(true);
  }));
  window.addEventListener("offline", () => showNetwork());
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(CONFIG.sw, { scope: "/" }).catch(() => {});
  }
  busy(start);
})();
