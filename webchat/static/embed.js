/* The web chat on the district's website:
     <script src="https://<host>/embed.js" defer></script>
   adds a floating "人才绿卡咨询" button that opens the chat (<host>/?embed=1) in a dialog; Esc or the close
   button closes it and the focus goes back to the button. Styles are set through the DOM (no inline CSS). */
(function () {
  "use strict";

  var script = document.currentScript;
  var origin = new URL(script && script.src ? script.src : location.href).origin;
  var LABEL = "人才绿卡咨询";
  var CLOSE = "关闭 Close";
  var ACCENT = "#0b4f8a";
  var CLOSE_MESSAGE = "frontdesk-webchat:close";

  function styled(tag, styles) {
    var node = document.createElement(tag);
    Object.keys(styles).forEach(function (name) { node.style.setProperty(name, styles[name]); });
    return node;
  }

  function build() {
    var opener = styled("button", {
      position: "fixed", right: "1rem", bottom: "1rem", "z-index": "2147483000", "min-height": "48px",
      padding: ".6rem 1.2rem", border: "2px solid #ffffff", "border-radius": "999px", background: ACCENT,
      color: "#ffffff", font: "600 1rem/1.2 system-ui, sans-serif", cursor: "pointer",
      "box-shadow": "0 2px 8px rgba(0,0,0,.35)"
    });
    opener.type = "button";
    opener.textContent = LABEL;
    opener.setAttribute("aria-haspopup", "dialog");
    opener.setAttribute("data-frontdesk-webchat", "open");

    var dialog = styled("dialog", {
      width: "min(28rem, calc(100vw - 1rem))", height: "min(40rem, calc(100vh - 1rem))", padding: "0",
      border: "2px solid " + ACCENT, "border-radius": "12px", overflow: "hidden"
    });
    dialog.setAttribute("aria-label", LABEL);
    dialog.style.setProperty("flex-direction", "column");
    var bar = styled("div", {
      display: "flex", "justify-content": "flex-end", background: ACCENT, padding: ".25rem"
    });
    var close = styled("button", {
      "min-width": "44px", "min-height": "44px", border: "2px solid #ffffff", "border-radius": "8px",
      background: ACCENT, color: "#ffffff", font: "600 .9rem/1 system-ui, sans-serif", cursor: "pointer"
    });
    close.type = "button";
    close.textContent = "✕";
    close.setAttribute("aria-label", CLOSE);
    var frame = styled("iframe", { width: "100%", flex: "1", border: "0", display: "block" });
    frame.title = LABEL;
    bar.appendChild(close);
    dialog.appendChild(bar);
    dialog.appendChild(frame);

    opener.addEventListener("click", function () {
      if (!frame.src) frame.src = origin + "/?embed=1";
      dialog.showModal();
      dialog.style.setProperty("display", "flex");
      close.focus();
    });
    close.addEventListener("click", function () { dialog.close(); });
    dialog.addEventListener("close", function () {
      dialog.style.removeProperty("display");
      opener.focus();
    });
    window.addEventListener("message", function (event) {  // Esc pressed inside the chat
      if (event.origin === origin && event.data === CLOSE_MESSAGE && dialog.open) dialog.close();
    });
    document.body.appendChild(opener);
    document.body.appendChild(dialog);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", build);
  else build();
})();
