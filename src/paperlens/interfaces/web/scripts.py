"""The app's browser-side behaviour, as JavaScript strings Gradio runs in the page.

`PAGE_JS` runs once when the page loads (`launch(js=...)`): a click on a citation [n] opens its
source card beside the answer (the sources panel scrolls to it on a wide screen; a bottom sheet
shows it on a narrow one) without moving the chat, and `paperlensToast` shows short
confirmations. The others run on one event each, with the event's input values as arguments.
Nothing here sends anything to the server or anywhere else.
"""

from __future__ import annotations

PAGE_JS = """() => {
  const WIDE = "(min-width: 900px)";
  const toast = (message) => {
    let box = document.getElementById("pl-toast");
    if (!box) {
      box = document.createElement("div");
      box.id = "pl-toast";
      box.setAttribute("role", "status");
      box.setAttribute("aria-live", "polite");
      document.body.appendChild(box);
    }
    box.textContent = message;
    box.classList.add("pl-show");
    clearTimeout(window.paperlensToastTimer);
    window.paperlensToastTimer = setTimeout(() => box.classList.remove("pl-show"), 2500);
  };
  window.paperlensToast = toast;

  const viewer = () => {
    let sheet = document.getElementById("pl-viewer");
    if (!sheet) {
      sheet = document.createElement("div");
      sheet.id = "pl-viewer";
      sheet.setAttribute("role", "dialog");
      sheet.setAttribute("aria-label", "Source");
      sheet.hidden = true;
      const close = document.createElement("button");
      close.className = "pl-close";
      close.type = "button";
      close.textContent = "Close ✕";
      close.addEventListener("click", () => { sheet.hidden = true; });
      const body = document.createElement("div");
      body.className = "pl-viewer-body";
      sheet.append(close, body);
      document.body.appendChild(sheet);
    }
    return sheet;
  };

  const openSource = (card) => {
    document.querySelectorAll(".pl-card.pl-active").forEach((c) => c.classList.remove("pl-active"));
    card.classList.add("pl-active");
    for (let node = card.parentElement; node; node = node.parentElement) {
      if (node.tagName === "DETAILS") { node.open = true; }
    }
    if (window.matchMedia(WIDE).matches) {
      const panel = card.closest(".pl-sources");
      if (panel) { panel.scrollTo({ top: card.offsetTop - 8, behavior: "instant" }); }
      return;
    }
    const sheet = viewer();
    const copy = card.cloneNode(true);
    copy.removeAttribute("id");
    copy.classList.remove("pl-active");
    copy.querySelectorAll("[id]").forEach((e) => e.removeAttribute("id"));
    sheet.querySelector(".pl-viewer-body").replaceChildren(copy);
    sheet.hidden = false;
    sheet.scrollTop = 0;
  };

  document.addEventListener("click", (event) => {
    const link = event.target.closest ? event.target.closest("a[href^='#src-'], a[href^='#near-']") : null;
    if (!link || !link.closest("#chat")) { return; }
    const card = document.getElementById(decodeURIComponent(link.hash.slice(1)));
    if (!card) { return; }
    event.preventDefault();
    event.stopPropagation();
    openSource(card);
  }, true);
  document.addEventListener("keydown", (event) => {
    const sheet = document.getElementById("pl-viewer");
    if (event.key === "Escape" && sheet) { sheet.hidden = true; }
  });
}"""

DETAILS_JS = """(on) => {
  document.body.classList.toggle("pl-details", !!on);
  return on;
}"""

COPY_JS = """async (text) => {
  const say = window.paperlensToast || ((m) => {});
  if (!text) { say("Nothing to copy yet: ask a question first."); return; }
  let copied = false;
  try {
    await navigator.clipboard.writeText(text);
    copied = true;
  } catch (error) {
    const area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    try { copied = document.execCommand("copy"); } catch (e) { copied = false; }
    area.remove();
  }
  window.paperlensCopied = copied ? text : null;
  say(copied ? "Copied the answer as Markdown."
    : "Could not copy: select the text under 'Answer as Markdown'.");
}"""

EXPORT_JS = """(text) => {
  const say = window.paperlensToast || ((m) => {});
  if (!text) { say("Nothing to export yet: ask a question first."); return; }
  const day = new Date().toISOString().slice(0, 10);
  const link = document.createElement("a");
  link.href = URL.createObjectURL(new Blob([text], { type: "text/markdown;charset=utf-8" }));
  link.download = `paperlens-conversation-${day}.md`;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
  window.paperlensExported = text;
  say("Saved the conversation as " + link.download + ".");
}"""
