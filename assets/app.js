// runbook: small enhancements over server-rendered pages. Everything works without this file.
(function () {
  "use strict";

  var box = document.getElementById("q");
  var results = document.getElementById("results");

  // "/" focuses the search box (unless typing somewhere already).
  document.addEventListener("keydown", function (e) {
    var typing = e.target && (e.target.tagName === "INPUT" || e.target.tagName === "TEXTAREA" || e.target.isContentEditable);
    if (e.key === "/" && !typing && box) {
      e.preventDefault();
      box.focus();
      box.select();
    }
  });

  // Search as you type: debounced, and only the newest response is shown. Requests made while
  // typing say so (typing=1) and are not counted as missed searches; once the typing has stopped
  // for SETTLE_MS, the query is asked once more without it, and counts.
  var SETTLE_MS = 3000;
  // A page asked about another moment (?at=, for "who can I call at 3 a.m.") keeps asking
  // about it as the query changes.
  var at = new URLSearchParams(window.location.search).get("at");
  var atParam = at ? "&at=" + encodeURIComponent(at) : "";
  if (box && results) {
    var latest = 0;
    var timer = null;
    var settle = null;
    var lastQuery = box.value;
    box.addEventListener("input", function () {
      clearTimeout(timer);
      clearTimeout(settle);
      timer = setTimeout(function () {
        var q = box.value;
        if (q === lastQuery) { return; }
        lastQuery = q;
        var ticket = ++latest;
        if (q.trim()) {
          settle = setTimeout(function () {
            fetch("/fragments/results?q=" + encodeURIComponent(q) + atParam, { headers: { "Accept": "text/html" } })
              .catch(function () { /* counting is best effort */ });
          }, SETTLE_MS);
        }
        fetch("/fragments/results?typing=1&q=" + encodeURIComponent(q) + atParam, { headers: { "Accept": "text/html" } })
          .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
          .then(function (html) {
            if (ticket !== latest) { return; } // a newer query was typed meanwhile
            results.innerHTML = html;
            selected = -1;
            var url = q ? "/?q=" + encodeURIComponent(q) + atParam : "/";
            history.replaceState(null, "", url);
            document.title = q ? q + " — runbooks" : document.title;
          })
          .catch(function () { /* keep the last results on screen */ });
      }, 150);
    });
  }

  // Arrow keys move through results; Enter opens the selected one.
  var selected = -1;
  function links() { return results ? results.querySelectorAll("a.hit-link") : []; }
  function mark(index) {
    var all = links();
    for (var i = 0; i < all.length; i++) {
      var item = all[i].closest("li");
      if (item) { item.classList.toggle("selected", i === index); }
    }
    if (all[index]) { all[index].scrollIntoView({ block: "nearest" }); }
  }
  document.addEventListener("keydown", function (e) {
    var all = links();
    if (!all.length) { return; }
    if (e.key === "ArrowDown") {
      e.preventDefault();
      selected = Math.min(selected + 1, all.length - 1);
      mark(selected);
    } else if (e.key === "ArrowUp") {
      e.preventDefault();
      selected = Math.max(selected - 1, 0);
      mark(selected);
    } else if (e.key === "Enter" && selected >= 0 && all[selected]) {
      e.preventDefault();
      window.location.href = all[selected].href;
    }
  });

  // A copy button on every code block.
  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () { return legacyCopy(text); });
    }
    return legacyCopy(text);
  }
  function legacyCopy(text) {
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.position = "fixed";
      area.style.opacity = "0";
      document.body.appendChild(area);
      area.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (err) { ok = false; }
      document.body.removeChild(area);
      if (ok) { resolve(); } else { reject(new Error("copy refused")); }
    });
  }
  var blocks = document.querySelectorAll("pre > code");
  for (var i = 0; i < blocks.length; i++) {
    (function (code) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "copy";
      button.textContent = "Copy";
      button.setAttribute("aria-label", "Copy this code");
      button.addEventListener("click", function () {
        copyText(code.textContent).then(function () {
          button.textContent = "Copied";
        }, function () {
          button.textContent = "Press Ctrl+C";
          var range = document.createRange();
          range.selectNodeContents(code);
          var sel = window.getSelection();
          sel.removeAllRanges();
          sel.addRange(range);
        });
        setTimeout(function () { button.textContent = "Copy"; }, 2000);
      });
      code.parentNode.appendChild(button);
    })(blocks[i]);
  }
})();
