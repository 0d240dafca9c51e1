// Progressive enhancement: every page works without it (the form is a plain GET, the
// links are in read-only fields to select and copy).

// While the next page loads, the lookup form says so, to the eye and to screen readers.
document.querySelectorAll("form.lookup").forEach((form) => {
  const button = form.querySelector("button[type=submit]");
  const label = button.querySelector(".label");
  const status = form.querySelector(".lookup-status");
  const idle = label.textContent;
  form.addEventListener("submit", () => {
    form.setAttribute("aria-busy", "true");
    button.disabled = true;
    label.textContent = "Looking up…";
    status.textContent = "Looking up the profile, this can take a few seconds.";
  });
  // Back to a page kept in the back/forward cache: the lookup is over.
  window.addEventListener("pageshow", (event) => {
    if (!event.persisted) return;
    form.removeAttribute("aria-busy");
    button.disabled = false;
    label.textContent = idle;
    status.textContent = "";
  });
});

// Our own links are written as paths (the server does not know the host it is reached
// under); here they become the absolute URLs a visitor pastes elsewhere.
document.querySelectorAll("input.link[data-path]").forEach((input) => {
  const path = input.dataset.path;
  input.value = input.value.split(path).join(new URL(path, location.href).href);
});

// Copy buttons, shown only where they work. Screen readers hear "Copied …" through the
// page's polite live region; it is emptied first so the same words are announced again.
const copyStatus = document.querySelector(".copy-status");
document.querySelectorAll("button.copy").forEach((button) => {
  if (!navigator.clipboard) return;
  const field = document.getElementById(button.dataset.copyFrom);
  if (!field) return;
  button.hidden = false;
  button.addEventListener("click", async () => {
    const label = button.textContent;
    let said;
    try {
      await navigator.clipboard.writeText(field.value);
      button.textContent = "Copied";
      said = `Copied: ${button.dataset.what}`;
    } catch {
      button.textContent = "Copy failed";
      said = "Copy failed: select the field and copy it yourself.";
    }
    if (copyStatus) {
      copyStatus.textContent = "";
      setTimeout(() => { copyStatus.textContent = said; }, 50);
    }
    setTimeout(() => { button.textContent = label; }, 1500);
  });
});

// A preview that cannot load says so, instead of its alt text on a checkerboard; the
// frame still links to the image, and the downloads stay.
document.querySelectorAll(".image-frame img").forEach((img) => {
  const unavailable = () => {
    const note = document.createElement("span");
    note.className = "preview-note";
    note.textContent = "preview unavailable";
    img.closest(".image-frame").classList.add("unavailable");
    img.replaceWith(note);
  };
  if (img.complete && img.naturalWidth === 0) {
    unavailable();
  } else {
    img.addEventListener("error", unavailable);
  }
});
