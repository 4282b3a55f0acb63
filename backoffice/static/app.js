// The back office's only script: the ticket queue follows the server's events without a reload.
"use strict";

function followQueue(table) {
  const rows = document.getElementById("queue-rows");
  const live = document.getElementById("queue-live");
  // "since": the queue as rendered, so that a change before the stream opens is not missed
  const events = new EventSource("/queue/events?since=" + encodeURIComponent(table.dataset.version));
  events.addEventListener("queue", async () => {
    const response = await fetch(window.location.pathname + window.location.search, {
      headers: { "X-Fragment": "rows" },
      credentials: "same-origin",
    });
    if (response.status === 401) {
      window.location.assign("/login?next=" + encodeURIComponent(window.location.pathname));
      return;
    }
    if (response.ok) {
      rows.innerHTML = await response.text();
      live.textContent = table.dataset.updatedText || "";
    }
  });
}

document.addEventListener("DOMContentLoaded", () => {
  const table = document.querySelector("[data-live-queue]");
  if (table) followQueue(table);
});
