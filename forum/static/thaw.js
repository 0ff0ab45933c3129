// Thaw's small enhancements: drafts that survive, and tag suggestions while typing.
// Everything works without this file; it only adds convenience.
(function () {
  "use strict";
  var PREFIX = "thaw-draft:";
  var store;
  try { store = window.localStorage; store.setItem("thaw-probe", "1"); store.removeItem("thaw-probe"); }
  catch (e) { store = null; }

  function draftFields() { return document.querySelectorAll("[data-draft]"); }

  function restoreDrafts() {
    if (!store) return;
    var restored = false;
    draftFields().forEach(function (field) {
      var key = PREFIX + field.getAttribute("data-draft");
      var saved = store.getItem(key);
      if (saved && !field.value.trim()) { field.value = saved; restored = true; }
      field.addEventListener("input", function () {
        if (field.value.trim()) store.setItem(key, field.value); else store.removeItem(key);
      });
    });
    if (restored) {
      var form = draftFields()[0].form;
      var note = document.createElement("p");
      note.className = "draft-note";
      note.setAttribute("role", "status");
      note.textContent = "We restored the text you had not sent yet. ";
      var discard = document.createElement("button");
      discard.type = "button";
      discard.className = "secondary";
      discard.textContent = "Discard the draft";
      discard.addEventListener("click", function () {
        draftFields().forEach(function (f) { store.removeItem(PREFIX + f.getAttribute("data-draft")); f.value = ""; });
        note.remove();
      });
      note.appendChild(discard);
      form.parentNode.insertBefore(note, form);
    }
  }

  // A draft is forgotten only once the member has left the form and the next page is not an error.
  function rememberSubmission() {
    document.querySelectorAll("form").forEach(function (form) {
      form.addEventListener("submit", function () {
        var keys = [];
        form.querySelectorAll("[data-draft]").forEach(function (f) { keys.push(f.getAttribute("data-draft")); });
        if (keys.length) { try { sessionStorage.setItem("thaw-submitted", JSON.stringify(keys)); } catch (e) {} }
      });
    });
  }

  function forgetSentDrafts() {
    if (!store) return;
    var raw;
    try { raw = sessionStorage.getItem("thaw-submitted"); } catch (e) { return; }
    if (!raw) return;
    var onForm = document.querySelector("[data-draft]");
    var isError = document.querySelector(".error-summary, .error-page");
    // The help shown on the response to a post: it was sent, though the page has a form.
    var sent = document.querySelector("[data-replace-url]");
    if (!sent && (onForm || isError)) return;
    JSON.parse(raw).forEach(function (key) { store.removeItem(PREFIX + key); });
    sessionStorage.removeItem("thaw-submitted");
  }

  function addTag(input, slug) {
    var parts = input.value.split(",").map(function (p) { return p.trim(); }).filter(Boolean);
    if (parts.indexOf(slug) === -1) parts.push(slug);
    input.value = parts.join(", ");
    input.dispatchEvent(new Event("input"));
  }

  function renderSuggestions(box, input, tags) {
    box.textContent = "";
    if (!tags.length) return;
    var label = document.createElement("p");
    label.textContent = "Suggested from your text (select to add):";
    var list = document.createElement("ul");
    list.className = "tags";
    tags.forEach(function (tag) {
      var item = document.createElement("li");
      var button = document.createElement("button");
      button.type = "button";
      button.className = "tag-button";
      button.setAttribute("data-tag", tag.slug);
      button.textContent = tag.name;
      item.appendChild(button);
      list.appendChild(item);
    });
    box.appendChild(label);
    box.appendChild(list);
  }

  function setUpSuggestions() {
    document.querySelectorAll("[data-suggest-for]").forEach(function (box) {
      var input = document.getElementById(box.getAttribute("data-suggest-for"));
      var form = input.form;
      box.addEventListener("click", function (event) {
        var target = event.target.closest("[data-tag]");
        if (target) addTag(input, target.getAttribute("data-tag"));
      });
      var timer = null;
      function ask() {
        var text = ["title", "body"].map(function (name) {
          var f = form.elements[name]; return f ? f.value : "";
        }).join(" ");
        if (text.trim().length < 3) return;
        fetch(box.getAttribute("data-url") || "/api/v1/tags/suggest?text=" + encodeURIComponent(text.slice(0, 4000)),
              { credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.json() : { tags: [] }; })
          .then(function (data) { renderSuggestions(box, input, data.tags); })
          .catch(function () {});
      }
      ["title", "body"].forEach(function (name) {
        var f = form.elements[name];
        if (f) f.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(ask, 700); });
      });
    });
  }

  // Threads like the title being typed, under the title field. The box holds what the server
  // rendered after "Check for similar questions" (without JavaScript) and is replaced as the
  // member types; nothing they typed is touched.
  function renderSimilar(box, threads) {
    // The box is a live region: say nothing new when the same threads come back.
    var shown = threads.map(function (t) { return t.id; }).join(",");
    if (box.getAttribute("data-shown") === shown) return;
    box.setAttribute("data-shown", shown);
    box.textContent = "";
    if (!threads.length) return;
    var heading = document.createElement("p");
    heading.className = "similar-heading";
    heading.textContent = "Asked before? These threads may already answer it (you can still post yours):";
    var list = document.createElement("ul");
    list.className = "similar-list";
    threads.forEach(function (thread) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = thread.url;
      link.textContent = thread.title;
      var count = document.createElement("span");
      count.className = "meta";
      var answers = thread.answers === 1 ? "1 answer" : thread.answers + " answers";
      count.textContent = " · " + (thread.kind === "experience" ? "experience report · " : "") +
        answers + (thread.accepted ? " · answered" : "");
      item.appendChild(link);
      item.appendChild(count);
      list.appendChild(item);
    });
    box.appendChild(heading);
    box.appendChild(list);
  }

  function setUpSimilar() {
    document.querySelectorAll("[data-similar-for]").forEach(function (box) {
      var input = document.getElementById(box.getAttribute("data-similar-for"));
      if (!input) return;
      var timer = null, asked = input.value.trim(), latest = 0;
      function ask() {
        var title = input.value.trim();
        if (title === asked) return;
        asked = title;
        if (title.length < 8) { renderSimilar(box, []); return; }
        var number = ++latest;  // answers arriving out of order: only the newest is shown
        fetch(box.getAttribute("data-url") + "?title=" + encodeURIComponent(title.slice(0, 200)),
              { credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.json() : { threads: [] }; })
          .then(function (data) { if (number === latest) renderSimilar(box, data.threads); })
          .catch(function () {});
      }
      input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(ask, 500); });
    });
  }

  // On a phone the header's links fold behind a "Menu" button (CSS decides the width).
  function setUpMenu() {
    var toggle = document.querySelector(".nav-toggle");
    var nav = document.getElementById("site-nav");
    if (!toggle || !nav) return;
    toggle.addEventListener("click", function () {
      var open = nav.classList.toggle("open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && nav.classList.contains("open")) {
        nav.classList.remove("open");
        toggle.setAttribute("aria-expanded", "false");
        toggle.focus();
      }
    });
  }

  // A page shown in answer to a form (the crisis help) names its own address: with it in the
  // history, a reload reads that page instead of asking to send the form again.
  function replaceAddress() {
    var page = document.querySelector("[data-replace-url]");
    if (!page || !window.history.replaceState) return;
    window.history.replaceState(null, "", page.getAttribute("data-replace-url"));
  }

  function focusErrors() {
    var summary = document.getElementById("error-summary");
    if (summary) summary.focus();
  }

  document.documentElement.classList.add("js");
  document.addEventListener("DOMContentLoaded", function () {
    setUpMenu();
    replaceAddress();
    forgetSentDrafts();
    restoreDrafts();
    rememberSubmission();
    setUpSuggestions();
    setUpSimilar();
    focusErrors();
  });
})();
