// Passkeys, where the browser has WebAuthn: signing in with one (the sign-in page)
// and adding one (the account page). Each is two requests around the browser's own
// dialog: `start` answers the options and a ceremony token, `finish` takes the
// browser's answer back. The pages work without this: the emailed link always does.
(function () {
  if (!window.PublicKeyCredential || !navigator.credentials || !window.fetch) return;

  function bytes(text) {
    var plain = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
    var out = new Uint8Array(plain.length);
    for (var i = 0; i < plain.length; i++) out[i] = plain.charCodeAt(i);
    return out.buffer;
  }

  function text(buffer) {
    var view = new Uint8Array(buffer), plain = "";
    for (var i = 0; i < view.length; i++) plain += String.fromCharCode(view[i]);
    return btoa(plain).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function said(answer) {
    return (answer && answer.errors && answer.errors[0] && answer.errors[0].message) ||
      "That did not work. Reload the page and try again.";
  }

  function post(url, csrf, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (answer) {
        if (!response.ok) throw new Error(said(answer));
        return answer;
      });
    });
  }

  function made(c) {
    return {
      id: c.id, rawId: text(c.rawId), type: c.type,
      clientExtensionResults: c.getClientExtensionResults(),
      response: {
        attestationObject: text(c.response.attestationObject),
        clientDataJSON: text(c.response.clientDataJSON),
        transports: c.response.getTransports ? c.response.getTransports() : []
      }
    };
  }

  function signed(c) {
    return {
      id: c.id, rawId: text(c.rawId), type: c.type,
      clientExtensionResults: c.getClientExtensionResults(),
      response: {
        authenticatorData: text(c.response.authenticatorData),
        clientDataJSON: text(c.response.clientDataJSON),
        signature: text(c.response.signature),
        userHandle: c.response.userHandle ? text(c.response.userHandle) : null
      }
    };
  }

  function failed(box, error) {
    box.textContent = error && error.name === "NotAllowedError"
      ? "No passkey was used. Try again, or use the email form."
      : error && error.name === "InvalidStateError"
        ? "This device already holds a passkey for your account."
        : (error && error.message) || "That did not work.";
    box.hidden = false;
  }

  document.querySelectorAll("[data-passkey]").forEach(function (widget) {
    var csrf = widget.getAttribute("data-csrf");
    var box = widget.querySelector(".field-error");
    var button = widget.querySelector("button");
    widget.hidden = false;

    function run(ceremony) {
      box.hidden = true;
      button.disabled = true;
      ceremony()
        .then(function (answer) { window.location.assign(answer.to); })
        .catch(function (error) { failed(box, error); })
        .finally(function () { button.disabled = false; });
    }

    if (widget.getAttribute("data-passkey") === "sign-in") {
      button.addEventListener("click", function () {
        run(function () {
          return post("/signin/passkey/start", csrf, { return_to: widget.getAttribute("data-return") })
            .then(function (start) {
              var key = start.options.publicKey;
              key.challenge = bytes(key.challenge);
              (key.allowCredentials || []).forEach(function (c) { c.id = bytes(c.id); });
              return navigator.credentials.get({ publicKey: key }).then(function (c) {
                return post("/signin/passkey", csrf, { ceremony: start.ceremony, credential: signed(c) });
              });
            });
        });
      });
    } else {
      widget.addEventListener("submit", function (event) {
        event.preventDefault();
        var name = widget.querySelector("input[name=name]").value;
        run(function () {
          return post("/account/passkeys/start", csrf, {}).then(function (start) {
            var key = start.options.publicKey;
            key.challenge = bytes(key.challenge);
            key.user.id = bytes(key.user.id);
            (key.excludeCredentials || []).forEach(function (c) { c.id = bytes(c.id); });
            return navigator.credentials.create({ publicKey: key }).then(function (c) {
              return post("/account/passkeys", csrf, { ceremony: start.ceremony, name: name, credential: made(c) });
            });
          });
        });
      });
    }
  });
})();
