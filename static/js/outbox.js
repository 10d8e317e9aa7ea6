// The outbox's half on every page: a data-outbox form's submission that cannot reach the
// server (offline, time-out, 5xx, 408, 429) is kept in IndexedDB, for the officer CONFIG.user.
// outbox-send.js (loaded when it has work) sends, lists and reopens. docs/architecture.md.
// <html data-outbox-state> is "busy" while the outbox starts, keeps or sends, then "idle".
(() => {
  const configElement = document.getElementById("offline-config");
  if (!configElement || !window.indexedDB) return;
  const CONFIG = JSON.parse(configElement.textContent);
  const T = CONFIG.strings;
  const USER = CONFIG.user;
  const OUTBOX_FORM = "form[data-outbox]";
  const REFUSING_FORM = "form[data-outbox-refuse]";
  const UUID_FIELD = 'input[name="client_uuid"]';
  const STORE = "outbox";
  const root = document.documentElement;
  const lang = root.lang || "en";

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

  function announce(message, category) {
    const notices = document.getElementById("notices");
    if (!notices) return;
    const notice = document.createElement("p");
    notice.className = `notice notice-${category}`;
    notice.textContent = message;
    notices.replaceChildren(notice);
  }

  function showNetwork(state) {
    const element = document.querySelector("[data-net-state]");
    if (!element) return;
    element.dataset.state = state || (navigator.onLine ? "online" : "offline");
    element.textContent = T[element.dataset.state];
    element.hidden = false;
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

  // The officer's waiting items (the nav's count, the list) are the other half's to show.
  async function refresh() {
    const any = USER && (await withStore("readonly", (store) => store.count()));
    return any || more || document.querySelector("[data-outbox-list]")
      ? (await loadMore()).refresh() : [];
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
      createdAt: Date.now(), attempts, state: "waiting", answer: null,
      nextTry: attempts ? Date.now() + 3000 * (0.8 + Math.random() * 0.4) : 0,
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
    form.reset();  // ready for the next record, with a new client UUID
    form.querySelector(UUID_FIELD).value = crypto.randomUUID();
    for (const input of form.querySelectorAll('input[type="file"]')) {
      input.dispatchEvent(new Event("change", { bubbles: true }));
    }
    await refresh();
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
      keepAfterFailure(event, 0);
      return;
    }
    const photos = entries.some(([, value]) => value instanceof Blob && value.size);
    event.detail.timeout = photos ? 120000 : 30000;
  });

  function keepAfterFailure(event, attempts = 1) {
    const form = outboxFormOf(event);
    if (!form || !form.outboxPending) return false;
    const pending = form.outboxPending;
    form.outboxPending = null;
    busy(() => keep(form, pending, attempts));
    return true;
  }

  const retryable = (status) => status >= 500 || status === 408 || status === 429;

  document.addEventListener("htmx:sendError", (event) => keepAfterFailure(event));
  document.addEventListener("htmx:timeout", (event) => keepAfterFailure(event));
  document.addEventListener("htmx:beforeSwap", (event) => {
    if (!retryable(event.detail.xhr.status) || !outboxFormOf(event)) return;
    if (keepAfterFailure(event)) {
      event.detail.shouldSwap = false;
      event.detail.isError = false;
    }
  });

  // A plain form (no hx-post; its 422 answer is a whole page) is kept when the phone is
  // offline; online, the browser posts it as ever.
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (navigator.onLine || form.hasAttribute("hx-post") || !USER) return;
    if (form.matches(REFUSING_FORM)) {
      event.preventDefault();
      announce(T.refused, "error");
    } else if (form.matches(OUTBOX_FORM)) {
      event.preventDefault();
      const entries = Array.from(new FormData(form, event.submitter).entries());
      form.outboxPending = { entries, submitter: event.submitter, action: form.action };
      keepAfterFailure({ detail: { elt: form } }, 0);
    }
  });

  // Logging out asks first when items are waiting, then clears the officer's phone.
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (new URL(form.action, location.href).pathname !== CONFIG.logout || form.dataset.cleared) return;
    event.preventDefault();
    busy(async () => (await loadMore()).logOut(form));
  });

  // -- Starting -----------------------------------------------------------------------------------
  async function start() {
    const body = document.body.dataset;
    const copy = body.offlineCopy !== undefined;
    // A kept page's form carries the UUID it was rendered with: each new record needs its own.
    for (const form of document.querySelectorAll(OUTBOX_FORM)) {
      const field = form.querySelector(UUID_FIELD);
      if (field && (copy || (await withStore("readonly", (store) => store.count(field.value))))) {
        field.value = crypto.randomUUID();
      }
    }
    const reopening = new URLSearchParams(location.search).get("outbox");
    if (copy || reopening || body.offlineMissing !== undefined) {
      await (await loadMore()).start(reopening);
    }
    const items = await refresh();
    showNetwork();  // shown once this phone's outbox has been read
    if (items.length) await (await loadMore()).sendAll(false);
  }

  const core = {
    CONFIG, T, USER, UUID_FIELD, lang, root, withStore, busy, announce, showNetwork, retryable,
    outboxFormOf, refresh,
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
