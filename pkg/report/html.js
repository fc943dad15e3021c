// The matrix page's filters and expandable rows. It reads the page it is
// in and fetches nothing; without it every row shows its details.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var form = document.getElementById("filters");
  var table = document.querySelector("table.matrix");
  if (!form || !table) return;
  form.hidden = false;
  var first = 2; // columns before the first check's
  var checks = Array.prototype.map.call(table.tHead.rows[0].querySelectorAll("th[data-check]"), function (th) { return th.getAttribute("data-check"); });
  var bodies = Array.prototype.slice.call(table.tBodies);
  var shown = document.getElementById("shown");
  var texts = new Map();
  var el = form.elements;

  function text(tb) {
    var t = texts.get(tb);
    if (t === undefined) { t = tb.textContent.toLowerCase(); texts.set(tb, t); }
    return t;
  }
  // rowMatches: does a row of the grid hold a cell of the check, status
  // and change asked for?
  // An empty cell spans the columns of the checks decided at the other
  // level.
  function rowMatches(tr, status, check, change) {
    var cells = tr.cells, col = 0;
    for (var i = 0; i < cells.length; col += cells[i].colSpan, i++) {
      var td = cells[i], k = col - first;
      if (k < 0 || k >= checks.length || !td.classList.contains("s")) continue;
      if (check && checks[k] !== check) continue;
      if (status && !td.classList.contains(status)) continue;
      if (change && td.getAttribute("data-ch") !== change) continue;
      return true;
    }
    return false;
  }
  function apply() {
    var status = el.status.value, check = el.check.value, ns = el.ns.value;
    var change = el.change ? el.change.value : "";
    var q = el.q.value.trim().toLowerCase();
    var cellFilter = status || check || change;
    var n = 0;
    bodies.forEach(function (tb) {
      var ok = (!ns || tb.getAttribute("data-ns") === ns) && (!q || text(tb).indexOf(q) >= 0);
      var head = tb.rows[0];
      var headHit = cellFilter && rowMatches(head, status, check, change);
      var anyClass = false;
      Array.prototype.forEach.call(tb.querySelectorAll("tr.c"), function (tr) {
        var hit = !cellFilter || headHit || rowMatches(tr, status, check, change);
        tr.hidden = ok && !hit;
        if (hit) anyClass = true;
      });
      ok = ok && (!cellFilter || headHit || anyClass);
      tb.hidden = !ok;
      if (ok) n++;
    });
    shown.textContent = "showing " + n + " of " + bodies.length + " destination ports";
  }
  function setOpen(tb, open) {
    tb.classList.toggle("open", open);
    var b = tb.rows[0].querySelector("button.x");
    if (b) b.setAttribute("aria-expanded", open ? "true" : "false");
  }
  table.addEventListener("click", function (ev) {
    var b = ev.target.closest("button.x");
    if (!b) return;
    var tb = b.closest("tbody");
    setOpen(tb, !tb.classList.contains("open"));
  });
  var timer = 0;
  form.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(apply, 120); });
  form.addEventListener("change", apply);
  el.openall.addEventListener("click", function () { bodies.forEach(function (tb) { if (!tb.hidden) setOpen(tb, true); }); });
  el.closeall.addEventListener("click", function () { bodies.forEach(function (tb) { setOpen(tb, false); }); });
  el.clear.addEventListener("click", function () { form.reset(); apply(); });
  // A link to a row (#r-ID, from the findings) shows and opens it.
  function follow() {
    var id = decodeURIComponent(location.hash.slice(1));
    if (id.indexOf("r-") !== 0) return;
    var tb = document.getElementById(id);
    if (!tb || tb.tagName !== "TBODY") return;
    if (tb.hidden) { form.reset(); apply(); }
    setOpen(tb, true);
    tb.scrollIntoView();
  }
  window.addEventListener("hashchange", follow);
  apply();
  follow();
})();
