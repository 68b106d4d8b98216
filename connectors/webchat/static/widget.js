/* The navigator's web chat for a charity's site: <script src="https://NAVIGATOR/webhooks/webchat/widget.js" defer></script>
   Optional: data-exit-url="https://…" (where "Leave this site quickly" goes). The chat runs in
   an iframe served by the navigator; this script only adds the launcher and the quick exit. */
(function () {
  "use strict";
  var me = document.currentScript;
  var src = new URL(me.src, location.href);
  var base = src.origin + src.pathname.replace(/\/widget\.js$/, "");
  var exitUrl = me.getAttribute("data-exit-url") || "https://www.bbc.co.uk/weather";
  var open = false;

  function leave() { window.location.replace(exitUrl); }

  var launcher = document.createElement("button");
  launcher.type = "button";
  launcher.id = "navigator-chat-open";
  launcher.textContent = "Chat: find help";
  launcher.setAttribute("aria-expanded", "false");
  launcher.setAttribute("aria-controls", "navigator-chat-frame");
  var exit = document.createElement("button");
  exit.type = "button";
  exit.id = "navigator-chat-exit";
  exit.textContent = "Leave this site quickly";
  var frame = document.createElement("iframe");
  frame.id = "navigator-chat-frame";
  frame.title = "Chat: find help near you";
  frame.hidden = true;
  frame.setAttribute("allow", "");
  frame.setAttribute("referrerpolicy", "no-referrer");

  [launcher, exit].forEach(function (b) {
    b.style.cssText = "position:fixed;right:16px;z-index:2147483000;min-height:44px;" +
      "padding:8px 14px;border-radius:6px;font:600 16px/1.2 system-ui,sans-serif;cursor:pointer;";
  });
  launcher.style.cssText += "bottom:16px;background:#0b5394;color:#fff;border:2px solid #0b5394;";
  exit.style.cssText += "top:16px;background:#b00020;color:#fff;border:2px solid #b00020;";
  frame.style.cssText = "position:fixed;right:16px;bottom:72px;z-index:2147483000;border:1px solid #888;" +
    "border-radius:8px;background:#fff;width:min(380px,calc(100vw - 32px));" +
    "height:min(600px,calc(100vh - 150px));";

  launcher.addEventListener("click", function () {
    open = !open;
    if (open && !frame.src) { frame.src = base + "/chat"; }
    frame.hidden = !open;
    launcher.setAttribute("aria-expanded", String(open));
    launcher.textContent = open ? "Close chat" : "Chat: find help";
    if (open) { frame.focus(); }
  });
  exit.addEventListener("click", leave);
  document.addEventListener("keydown", function (e) { if (e.key === "Escape") { leave(); } });
  document.body.appendChild(exit);
  document.body.appendChild(frame);
  document.body.appendChild(launcher);
}());
