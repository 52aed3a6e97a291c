// The reference page's behaviour: language tabs (choice remembered), navigation filter, the menu
// on narrow screens, and the highlight of the section being read. Copied as is by capgen.
(function () {
  "use strict";

  var root = document.documentElement;
  var LANGUAGE_KEY = "capgen-docs-language";

  // --- language tabs ----------------------------------------------------------------------------

  var tabs = Array.prototype.slice.call(document.querySelectorAll(".lang-tabs [data-lang]"));
  var languages = tabs.map(function (tab) { return tab.getAttribute("data-lang"); });

  function storedLanguage() {
    try {
      return window.localStorage.getItem(LANGUAGE_KEY);
    } catch (error) {  // storage may be disabled (private mode, some file:// settings)
      return null;
    }
  }

  function showLanguage(language, remember) {
    root.setAttribute("data-lang", language);
    tabs.forEach(function (tab) {
      tab.setAttribute("aria-selected", String(tab.getAttribute("data-lang") === language));
    });
    if (remember) {
      try {
        window.localStorage.setItem(LANGUAGE_KEY, language);
      } catch (error) { /* the choice then lasts for this visit only */ }
    }
  }

  tabs.forEach(function (tab) {
    tab.addEventListener("click", function () { showLanguage(tab.getAttribute("data-lang"), true); });
  });
  var saved = storedLanguage();
  showLanguage(languages.indexOf(saved) >= 0 ? saved : languages[0], false);

  // --- navigation filter ------------------------------------------------------------------------

  var nav = document.getElementById("nav");
  var search = document.getElementById("search");
  var noMatch = nav.querySelector(".no-match");
  var items = Array.prototype.slice.call(nav.querySelectorAll(".tree li"));
  // Each entry matches on its own words and those of the entries it sits under ("v2 lookup").
  var haystacks = items.map(function (item) {
    var words = [];
    for (var node = item; node && node !== nav; node = node.parentElement) {
      if (node.tagName === "LI") {
        words.push(node.firstElementChild.textContent, node.getAttribute("data-search") || "");
      }
    }
    return words.join(" ").toLowerCase();
  });

  function filterNavigation() {
    var terms = search.value.toLowerCase().split(/\s+/).filter(Boolean);
    var matches = items.map(function (item, index) {
      return terms.every(function (term) { return haystacks[index].indexOf(term) >= 0; });
    });
    // An entry stays visible when it matches or when something under it does.
    for (var index = items.length - 1; index >= 0; index--) {
      var visible = matches[index] || items[index].querySelector("li:not([hidden])") !== null;
      items[index].hidden = !visible;
    }
    noMatch.hidden = matches.some(Boolean);
  }

  search.addEventListener("input", filterNavigation);

  // --- menu on narrow screens -------------------------------------------------------------------

  var menuButton = document.querySelector(".menu-button");

  function setMenu(open) {
    root.classList.toggle("nav-open", open);
    menuButton.setAttribute("aria-expanded", String(open));
  }

  menuButton.addEventListener("click", function () { setMenu(!root.classList.contains("nav-open")); });
  nav.addEventListener("click", function (event) {
    if (event.target.closest("a")) {
      setMenu(false);
    }
  });

  // --- highlight of the section being read ------------------------------------------------------

  var links = Array.prototype.slice.call(nav.querySelectorAll(".tree a"));
  var targets = links.map(function (link) { return document.getElementById(link.getAttribute("href").slice(1)); });
  var current = null;
  var pending = false;

  function keepInView(link) {
    var box = link.getBoundingClientRect();
    var navBox = nav.getBoundingClientRect();
    if (box.top < navBox.top || box.bottom > navBox.bottom) {
      nav.scrollTop += box.top - navBox.top - navBox.height / 3;
    }
  }

  function highlight() {
    pending = false;
    var offset = parseFloat(getComputedStyle(root).scrollPaddingTop) || 0;
    var active = null;
    targets.forEach(function (target, index) {
      if (target && target.getBoundingClientRect().top <= offset + 4) {
        active = links[index];
      }
    });
    if (active !== current) {
      if (current) {
        current.removeAttribute("aria-current");
      }
      if (active) {
        active.setAttribute("aria-current", "location");
        keepInView(active);
      }
      current = active;
    }
  }

  window.addEventListener("scroll", function () {
    if (!pending) {
      pending = true;
      window.requestAnimationFrame(highlight);
    }
  }, { passive: true });
  highlight();

  root.setAttribute("data-ready", "true");
})();
