/* The navigator's web chat page (inside the charity site's iframe). The session token lives in
   this page's memory only: nothing is written to storage, cookies or history. */
(function () {
  "use strict";
  var EXIT_URL = "https://www.bbc.co.uk/weather";
  var base = location.pathname.replace(/\/chat$/, "");
  var token = null;
  var ready = null;  /* the one session request in flight: a fast first message waits for it */
  var log = document.getElementById("log");
  var status = document.getElementById("status");
  var form = document.getElementById("send");
  var text = document.getElementById("text");
  var busy = false;

  function leave() {
    token = null;
    log.textContent = "";
    try { window.top.location.replace(EXIT_URL); } catch (e) { window.location.replace(EXIT_URL); }
  }
  document.getElementById("exit").addEventListener("click", leave);
  document.addEventListener("keydown", function (e) { if (e.key === "Escape") { leave(); } });

  function add(kind, body, buttons) {
    var item = document.createElement("div");
    item.className = "msg " + kind;
    var who = document.createElement("span");
    who.className = "who";
    who.textContent = kind === "user" ? "You" : kind === "worker" ? "Youth worker" : "Navigator";
    item.appendChild(who);
    item.appendChild(document.createTextNode(body));
    log.appendChild(item);
    if (buttons && buttons.length) {
      var group = document.createElement("div");
      group.className = "choices";
      group.setAttribute("role", "group");
      group.setAttribute("aria-label", "Choices");
      buttons.forEach(function (b) {
        var btn = document.createElement("button");
        btn.type = "button";
        btn.textContent = b.title;
        btn.addEventListener("click", function () { send(b.payload, b.title); });
        group.appendChild(btn);
      });
      log.appendChild(group);
    }
    log.scrollTop = log.scrollHeight;
  }

  function call(method, path, body) {
    var headers = { "Content-Type": "application/json" };
    if (token) { headers.Authorization = "Bearer " + token; }
    return fetch(base + path, { method: method, headers: headers, cache: "no-store",
      credentials: "omit", body: body ? JSON.stringify(body) : undefined });
  }

  function start() {
    if (!ready) {
      ready = call("POST", "/session").then(function (r) {
        if (!r.ok) { throw new Error("session " + r.status); }
        return r.json();
      }).then(function (data) { token = data.session; }).catch(function (e) {
        ready = null;
        throw e;
      });
    }
    return ready;
  }

  function send(message, shown) {
    if (busy || !message) { return; }
    busy = true;
    add("user", shown || message);
    status.textContent = "Sending…";
    var attempt = function (retry) {
      return call("POST", "/message", { message: message }).then(function (r) {
        if (r.status === 401 && retry) {  /* the session ended: a new chat, same message */
          token = null;
          ready = null;
          return start().then(function () { return attempt(false); });
        }
        if (!r.ok) { throw new Error("message " + r.status); }
        return r.json();
      });
    };
    start().then(function () { return attempt(true); })
      .then(function (data) {
        (data.messages || []).forEach(function (m) { add("bot", m.text, m.buttons); });
        status.textContent = "";
      })
      .catch(function () {
        status.textContent = "That didn't send. Check your connection and try again. " +
          "In danger right now? Call 999.";
      })
      .then(function () { busy = false; });
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var value = text.value.trim();
    text.value = "";
    send(value);
    text.focus();
  });
  text.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); form.requestSubmit(); }
  });

  function poll() {
    if (token) {
      call("GET", "/messages").then(function (r) { return r.ok ? r.json() : { messages: [] }; })
        .then(function (data) {
          (data.messages || []).forEach(function (m) { add("worker", m.text); });
        }).catch(function () {});
    }
    window.setTimeout(poll, 4000);
  }

  /* Nothing is sent (or stored) until the young person writes. */
  add("bot", "Hi. Tell me what's going on, in your own words, and I'll find help near you.");
  start().catch(function () {
    status.textContent = "The chat could not start. In danger right now? Call 999.";
  });
  window.setTimeout(poll, 4000);
}());
