/* The web chat for talents: the conversation from the server (GET /api/messages, polled), questions and
   button presses (POST /api/messages, retried with the same key, never twice at once), votes, the ticket's
   call-back and status forms, and the kiosk's idle reset. Every server text goes in with textContent. */
(function () {
  "use strict";

  var TOKEN_KEY = "frontdesk.webchat.token";
  var POLL_MS = 3000;
  var MAX_BACKOFF_MS = 30000;
  var MOBILE = /^1[3-9]\d{9}$/;
  var TICKET = /^GC-\d{4}-\d{6}$/;

  var body = document.body;
  var T = JSON.parse(body.getAttribute("data-texts"));
  var params = new URLSearchParams(location.search);
  var kiosk = body.classList.contains("kiosk");
  var log = document.getElementById("log");
  var welcome = document.getElementById("welcome");
  var form = document.getElementById("composer");
  var input = document.getElementById("composer-input");
  var sendButton = document.getElementById("send");
  var statusLine = document.getElementById("status");

  var shown = {}; // message id -> its element
  var lastId = 0;
  var outgoing = null; // the send in flight: {body, text, bubble, delay}
  var pollTimer = null;
  var pollDelay = POLL_MS;
  var offline = false;
  var generation = 0; // bumped by a reset: answers to the old conversation are dropped
  var uid = 0;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function nextId(prefix) {
    uid += 1;
    return prefix + "-" + uid;
  }

  function newKey() {
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function say(text) {
    statusLine.textContent = text || "";
  }

  // -- the API ---------------------------------------------------------------------------------------

  function token() {
    try { return localStorage.getItem(TOKEN_KEY); } catch (e) { return null; }
  }

  function keepToken(value) {
    try {
      if (value) localStorage.setItem(TOKEN_KEY, value); else localStorage.removeItem(TOKEN_KEY);
    } catch (e) { /* private mode: the session lasts as long as the page */ }
    memoryToken = value;
  }
  var memoryToken = token();

  function request(method, path, payload, chatToken) {
    var headers = { "Accept": "application/json", "Accept-Language": body.getAttribute("data-language") };
    if (chatToken) headers["X-Chat-Token"] = chatToken;
    if (payload !== undefined) headers["Content-Type"] = "application/json";
    return fetch(path, {
      method: method, headers: headers, cache: "no-store", credentials: "omit",
      body: payload === undefined ? undefined : JSON.stringify(payload)
    }).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (data) {
        return { status: response.status, data: data || {}, retryAfter: response.headers.get("Retry-After") };
      });
    });
  }

  function newSession() {
    return request("POST", "/api/session", {}).then(function (answer) {
      if (answer.status !== 200 || !answer.data.token) throw new Error("session " + answer.status);
      keepToken(answer.data.token);
      return answer.data.token;
    });
  }

  /* A call with the session's token; a missing or refused token gets a new session (when `open` says a
     session may be started for it) and the call is made once more. */
  function api(method, path, payload, open) {
    var current = memoryToken || token();
    var start = current ? Promise.resolve(current) : (open ? newSession() : Promise.resolve(null));
    return start.then(function (chatToken) {
      if (!chatToken) return { status: 401, data: { error: "session" } };
      return request(method, path, payload, chatToken).then(function (answer) {
        if (answer.status !== 401) return answer;
        keepToken(null);
        if (!open) return answer;
        return newSession().then(function (fresh) { return request(method, path, payload, fresh); });
      });
    });
  }

  // -- messages --------------------------------------------------------------------------------------

  function place(node, id) {
    var after = null;
    Object.keys(shown).forEach(function (key) {
      var other = Number(key);
      if (other > id && (after === null || other < after)) after = other;
    });
    if (after !== null) log.insertBefore(node, shown[after]);
    else if (outgoing && outgoing.bubble && outgoing.bubble.parentNode === log) log.insertBefore(node, outgoing.bubble);
    else log.appendChild(node);
  }

  function render(message) {
    if (!message || typeof message.id !== "number" || shown[message.id]) return;
    var who = ["talent", "assistant", "staff", "system"].indexOf(message.who) >= 0 ? message.who : "system";
    var node = el("div", "msg " + who);
    node.setAttribute("data-id", String(message.id));
    node.appendChild(el("p", "who", T["who_" + who]));
    node.appendChild(el("p", "text", message.text));
    var buttons = Array.isArray(message.buttons) ? message.buttons : [];
    if (buttons.length) {
      var group = el("div", "buttons");
      group.setAttribute("role", "group");
      group.setAttribute("aria-label", T.topics_label);
      buttons.forEach(function (button) {
        var choice = el("button", "choice", button.title);
        choice.type = "button";
        choice.addEventListener("click", function () { press({ payload: button.payload, title: button.title }); });
        group.appendChild(choice);
      });
      node.appendChild(group);
    }
    if (message.votable) node.appendChild(votes(message.id));
    var custom = message.custom;
    if (custom && custom.type === "ticket" && custom.ticket_id) {
      node.appendChild(custom.rate ? rating(String(custom.ticket_id)) : ticketBox(String(custom.ticket_id)));
    }
    shown[message.id] = node;
    place(node, message.id);
    if (message.id > lastId) lastId = message.id;
  }

  function renderAll(messages) {
    (messages || []).slice().sort(function (a, b) { return a.id - b.id; }).forEach(render);
    scrollDown();
  }

  function scrollDown() {
    var smooth = !window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    log.scrollTo({ top: log.scrollHeight, behavior: smooth ? "smooth" : "auto" });
  }

  function votes(messageId) {
    var group = el("div", "votes");
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", T.helpful + " / " + T.not_helpful);
    [[true, T.helpful], [false, T.not_helpful]].forEach(function (pair) {
      var button = el("button", "vote", pair[1]);
      button.type = "button";
      button.setAttribute("aria-pressed", "false");
      button.addEventListener("click", function () {
        api("POST", "/api/votes", { message: messageId, helpful: pair[0] }, true).then(function (answer) {
          if (answer.status === 200) {
            Array.prototype.forEach.call(group.children, function (other) {
              other.setAttribute("aria-pressed", String(other === button));
            });
            say(T.vote_thanks);
          } else {
            say(answer.data.text || T.error_generic);
          }
        }, function () { say(T.reconnecting); });
      });
      group.appendChild(button);
    });
    return group;
  }

  function rating(ticketId) {
    var group = el("div", "votes");
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", T.rate_question);
    group.appendChild(el("p", "hint", T.rate_question));
    [1, 2, 3, 4, 5].forEach(function (score) {
      var button = el("button", "vote", String(score));
      button.type = "button";
      button.setAttribute("aria-label", T.rate_score.replace("{score}", String(score)));
      button.addEventListener("click", function () {
        api("POST", "/api/ratings", { ticket: ticketId, score: score }, true).then(function (answer) {
          if (answer.status === 200) {
            Array.prototype.forEach.call(group.querySelectorAll("button"), function (other) { other.disabled = true; });
            say(answer.data.already ? T.rate_already : T.rate_thanks);
          } else {
            say(answer.data.text || T.error_generic);
          }
        }, function () { say(T.reconnecting); });
      });
      group.appendChild(button);
    });
    return group;
  }

  // -- the ticket: call-back and status --------------------------------------------------------------

  function field(labelText, attributes, hintText) {
    var id = nextId("f");
    var wrap = el("p", "field");
    var label = el("label", null, labelText);
    label.htmlFor = id;
    var control = el("input");
    control.id = id;
    Object.keys(attributes).forEach(function (name) { control.setAttribute(name, attributes[name]); });
    wrap.appendChild(label);
    wrap.appendChild(control);
    if (hintText) {
      var hint = el("span", "hint", hintText);
      hint.id = id + "-hint";
      control.setAttribute("aria-describedby", hint.id);
      wrap.appendChild(hint);
    }
    return { wrap: wrap, control: control };
  }

  function smallForm(className, submitText, fields, onSubmit) {
    var box = el("form", "small-form " + className);
    box.noValidate = true;
    fields.forEach(function (f) { box.appendChild(f.wrap); });
    var submit = el("button", "submit", submitText);
    submit.type = "submit";
    box.appendChild(submit);
    var result = el("p", "result");
    result.setAttribute("role", "status");
    box.appendChild(result);
    box.addEventListener("submit", function (event) {
      event.preventDefault();
      if (submit.disabled) return;
      submit.disabled = true;
      onSubmit(result).then(function () { submit.disabled = false; }, function () {
        submit.disabled = false;
        result.textContent = T.reconnecting;
      });
    });
    return box;
  }

  function invalid(control, result, text) {
    control.setAttribute("aria-invalid", "true");
    result.textContent = text;
    control.focus();
    return Promise.resolve();
  }

  function statusForm(ticketId) {
    var ticket = field(T.status_ticket_label, { type: "text", autocomplete: "off", spellcheck: "false" });
    var last4 = field(T.status_last4_label, { type: "text", inputmode: "numeric", maxlength: "4", autocomplete: "off" });
    if (ticketId) ticket.control.value = ticketId;
    return smallForm("status-form", T.status_submit, [ticket, last4], function (result) {
      var number = ticket.control.value.trim().toUpperCase();
      var digits = last4.control.value.trim();
      ticket.control.removeAttribute("aria-invalid");
      last4.control.removeAttribute("aria-invalid");
      if (!TICKET.test(number)) return invalid(ticket.control, result, T.status_invalid);
      if (!/^\d{4}$/.test(digits)) return invalid(last4.control, result, T.status_invalid);
      return api("POST", "/api/ticket-status", { ticket: number, last4: digits }, true).then(function (answer) {
        if (answer.status === 200) result.textContent = answer.data.text || answer.data.status;
        else if (answer.status === 404) result.textContent = T.status_not_found;
        else result.textContent = answer.data.text || T.error_generic;
      });
    });
  }

  function ticketBox(ticketId) {
    var box = el("section", "ticket");
    var headingId = nextId("t");
    var heading = el("h2", null, T.ticket_heading);
    heading.id = headingId;
    box.setAttribute("aria-labelledby", headingId);
    box.appendChild(heading);
    box.appendChild(el("p", "ticket-id", ticketId));
    box.appendChild(el("p", "hint", T.ticket_hint));
    var phone = field(T.callback_label, { type: "tel", inputmode: "numeric", maxlength: "11", autocomplete: "tel-national" }, T.callback_hint);
    box.appendChild(smallForm("callback-form", T.callback_submit, [phone], function (result) {
      var number = phone.control.value.replace(/[\s-]/g, "");
      phone.control.removeAttribute("aria-invalid");
      if (!MOBILE.test(number)) return invalid(phone.control, result, T.callback_invalid);
      return api("POST", "/api/callback", { ticket: ticketId, phone: number }, true).then(function (answer) {
        result.textContent = answer.status === 200 ? T.callback_done : (answer.data.text || T.error_generic);
      });
    }));
    box.appendChild(el("h3", null, T.status_heading));
    box.appendChild(el("p", "hint", T.status_hint));
    box.appendChild(statusForm(ticketId));
    return box;
  }

  // -- sending ---------------------------------------------------------------------------------------

  function busy(on) {
    sendButton.disabled = on;
    form.setAttribute("aria-busy", String(on));
  }

  function submitText() {
    var text = input.value.trim();
    if (!text || outgoing) return;
    start({ text: text, key: newKey() }, text, true);
  }

  function press(button) {
    if (!outgoing) start({ payload: button.payload, title: button.title, key: newKey() }, button.title, false);
    input.focus();
  }

  function start(payload, shownText, typed) {
    var bubble = el("div", "msg talent pending");
    bubble.appendChild(el("p", "who", T.who_talent));
    bubble.appendChild(el("p", "text", shownText));
    log.appendChild(bubble);
    scrollDown();
    outgoing = { body: payload, text: shownText, typed: typed, bubble: bubble, delay: 2000, generation: generation };
    busy(true);
    say(T.sending);
    deliver();
  }

  function finish() {
    if (outgoing && outgoing.bubble.parentNode) outgoing.bubble.parentNode.removeChild(outgoing.bubble);
    outgoing = null;
    busy(false);
  }

  function deliver() {
    var sending = outgoing;
    var before = lastId;
    api("POST", "/api/messages", sending.body, true).then(function (answer) {
      if (sending !== outgoing || sending.generation !== generation) return;
      if (answer.status === 200) {
        if (sending.typed && input.value.trim() === sending.text) input.value = "";
        say("");
        renderAll(answer.data.messages);
        return fetchAfter(before).then(function () { if (sending === outgoing) finish(); });
      }
      if (answer.status === 429 || answer.status >= 500) return retry(sending, answer.retryAfter);
      finish();
      say(answer.data.text || T.error_generic);
    }, function () {
      if (sending === outgoing && sending.generation === generation) retry(sending, null);
    });
  }

  function retry(sending, retryAfter) {
    say(sending.typed ? T.send_failed : T.reconnecting);
    var wait = retryAfter && /^\d+$/.test(retryAfter) ? Number(retryAfter) * 1000 : sending.delay;
    sending.delay = Math.min(sending.delay * 2, MAX_BACKOFF_MS);
    setTimeout(function () { if (sending === outgoing) deliver(); }, wait);
  }

  // -- the conversation from the server, polled --------------------------------------------------------

  function fetchAfter(after) {
    var mine = generation;
    if (!(memoryToken || token())) return Promise.resolve(true);
    return api("GET", "/api/messages?after=" + after, undefined, false).then(function (answer) {
      if (mine !== generation) return true;
      if (answer.status === 200) { renderAll(answer.data.messages); return true; }
      if (answer.status === 401) return true; // a forgotten session: the next send starts a new one
      return false;
    }, function () { return false; });
  }

  function schedulePoll(delay) {
    clearTimeout(pollTimer);
    pollTimer = setTimeout(poll, delay);
  }

  function poll() {
    if (document.hidden) return; // visibilitychange polls again
    fetchAfter(lastId).then(function (ok) {
      if (ok) {
        if (offline && !outgoing) say(T.connected);
        offline = false;
        pollDelay = POLL_MS;
      } else {
        offline = true;
        if (!outgoing) say(T.reconnecting);
        pollDelay = Math.min(pollDelay * 2, MAX_BACKOFF_MS);
      }
      schedulePoll(pollDelay);
    });
  }

  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) schedulePoll(0);
  });

  // -- the page's controls -----------------------------------------------------------------------------

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    submitText();
    input.focus();
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      submitText();
    }
  });
  Array.prototype.forEach.call(document.querySelectorAll("[data-say]"), function (button) {
    button.addEventListener("click", function () {
      var text = button.getAttribute("data-say");
      if (!outgoing) start({ text: text, key: newKey() }, text, false);
      input.focus();
    });
  });

  var switchLink = document.getElementById("switch-language");
  ["idle", "countdown"].forEach(function (name) {
    if (params.has(name)) {
      var target = new URL(switchLink.href);
      target.searchParams.set(name, params.get(name));
      switchLink.href = target.toString();
    }
  });
  switchLink.addEventListener("click", function (event) {
    var current = memoryToken || token();
    if (!current) return;
    event.preventDefault();
    var go = function () { location.href = switchLink.href; };
    var language = new URL(switchLink.href).searchParams.get("lang");
    request("POST", "/api/language", { language: language }, current).then(go, go);
  });

  if (body.classList.contains("embed") && window.parent !== window) {
    document.addEventListener("keydown", function (event) {  // embed.js closes its dialog
      if (event.key === "Escape") window.parent.postMessage("frontdesk-webchat:close", "*");
    });
  }

  var statusSlot = document.getElementById("status-form-slot");
  statusSlot.appendChild(statusForm(null));

  // -- the kiosk: start over, and the idle reset -------------------------------------------------------

  function seconds(value, fallback) {
    var n = Number(value);
    return isFinite(n) && n > 0 ? n : fallback;
  }

  function reset() {
    generation += 1;
    keepToken(null);
    outgoing = null;
    busy(false);
    Array.prototype.slice.call(log.children).forEach(function (child) {
      if (child !== welcome) log.removeChild(child);
    });
    shown = {};
    lastId = 0;
    input.value = "";
    say("");
    statusSlot.textContent = "";
    statusSlot.appendChild(statusForm(null));
    document.getElementById("status-check").open = false;
    log.scrollTop = 0;
    window.scrollTo(0, 0);
  }

  if (kiosk) {
    var idleMs = seconds(params.get("idle") || body.getAttribute("data-idle"), 120) * 1000;
    var countdownFrom = seconds(params.get("countdown") || body.getAttribute("data-countdown"), 20);
    var dialog = document.getElementById("idle");
    var dialogText = document.getElementById("idle-text");
    var idleTimer = null;
    var countdownTimer = null;

    var arm = function () {
      clearTimeout(idleTimer);
      idleTimer = setTimeout(askStillThere, idleMs);
    };
    var closeDialog = function () {
      clearInterval(countdownTimer);
      if (dialog.open) dialog.close();
    };
    var startOver = function () {
      closeDialog();
      reset();
      arm();
      input.focus();
    };
    var stay = function () {
      closeDialog();
      arm();
      input.focus();
    };
    var askStillThere = function () {
      var remaining = countdownFrom;
      var tick = function () {
        dialogText.textContent = T.idle_text.replace("{seconds}", String(Math.ceil(remaining)));
      };
      tick();
      dialog.showModal();
      countdownTimer = setInterval(function () {
        remaining -= 1;
        if (remaining <= 0) startOver(); else tick();
      }, 1000);
    };

    ["pointerdown", "keydown", "input", "wheel", "touchstart"].forEach(function (type) {
      document.addEventListener(type, function () { if (!dialog.open) arm(); }, { passive: true, capture: true });
    });
    dialog.addEventListener("cancel", function (event) { event.preventDefault(); stay(); });
    document.getElementById("idle-continue").addEventListener("click", stay);
    document.getElementById("idle-reset").addEventListener("click", startOver);
    document.getElementById("start-over").addEventListener("click", startOver);
    arm();
  }

  // -- on load: the whole conversation, then polling ---------------------------------------------------

  fetchAfter(0).then(function () { schedulePoll(POLL_MS); });
})();
