// The language switch (book/_ext/book_build.py) opens the other edition's page in
// this tab: the theme opens every header link in a new one.
document.addEventListener("DOMContentLoaded", () => {
  for (const a of document.querySelectorAll("a.btn-language-switch")) {
    a.removeAttribute("target");
  }
});
