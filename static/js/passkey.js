// Passkeys (WebAuthn) with the browser's own API; the server (py_webauthn) makes the options
// and checks the answers. A button marked data-passkey asks the server for options at
// data-options-url, lets the phone create or use a passkey, puts the answer (JSON) into the
// form's hidden "credential" field, and submits that form. Without passkey support the
// button stays hidden and the code form is the way in.
(() => {
  const toBytes = (value) => {
    const base64 = value.replace(/-/g, "+").replace(/_/g, "/");
    const padded = base64 + "===".slice((base64.length + 3) % 4);
    return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
  };
  const toText = (buffer) =>
    btoa(String.fromCharCode(...new Uint8Array(buffer)))
      .replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  const withBytes = (list) => (list || []).map((item) => ({ ...item, id: toBytes(item.id) }));

  function creationOptions(options) {
    return {
      ...options,
      challenge: toBytes(options.challenge),
      user: { ...options.user, id: toBytes(options.user.id) },
      excludeCredentials: withBytes(options.excludeCredentials),
    };
  }

  function requestOptions(options) {
    return {
      ...options,
      challenge: toBytes(options.challenge),
      allowCredentials: withBytes(options.allowCredentials),
    };
  }

  function answer(credential) {
    const response = credential.response;
    const json = {
      id: credential.id,
      rawId: toText(credential.rawId),
      type: credential.type,
      clientExtensionResults: credential.getClientExtensionResults(),
      authenticatorAttachment: credential.authenticatorAttachment,
      response: { clientDataJSON: toText(response.clientDataJSON) },
    };
    if (response.attestationObject) {
      json.response.attestationObject = toText(response.attestationObject);
      json.response.transports = response.getTransports ? response.getTransports() : [];
    } else {
      json.response.authenticatorData = toText(response.authenticatorData);
      json.response.signature = toText(response.signature);
      json.response.userHandle = response.userHandle ? toText(response.userHandle) : null;
    }
    return JSON.stringify(json);
  }

  async function run(button) {
    const form = button.form;
    const status = form.querySelector("[data-passkey-status]");
    const headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
    button.disabled = true;
    try {
      const reply = await fetch(button.dataset.optionsUrl, {
        method: "POST", headers, credentials: "same-origin",
      });
      const options = await reply.json();
      if (!reply.ok) throw new Error(options.error || reply.statusText);
      const credential = button.dataset.passkey === "create"
        ? await navigator.credentials.create({ publicKey: creationOptions(options) })
        : await navigator.credentials.get({ publicKey: requestOptions(options) });
      form.querySelector('input[name="credential"]').value = answer(credential);
      const trust = form.querySelector("[data-trust-copy]");
      const box = document.querySelector('input[type="checkbox"][name="trust"]');
      if (trust && box) trust.value = box.checked ? "y" : "";
      form.submit();
    } catch (error) {
      button.disabled = false;
      if (status) {
        status.hidden = false;
        status.textContent = status.dataset.message;
      }
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    if (!window.PublicKeyCredential) return;
    for (const button of document.querySelectorAll("button[data-passkey]")) {
      button.hidden = false;
      button.addEventListener("click", () => run(button));
    }
  });
})();
