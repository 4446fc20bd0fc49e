/* 监察工作台: new warnings appear on top without reloading (the page works without this
   script: reloading shows the same list). Polls the JSON endpoint named on #live-status. */
(function () {
  "use strict";
  var status = document.getElementById("live-status");
  var list = document.getElementById("warnings");
  if (!status || !list || !status.dataset.liveUrl || !window.fetch) { return; }
  var url = status.dataset.liveUrl;
  var every = Math.max(200, parseInt(status.dataset.pollMs, 10) || 5000);
  var total = document.getElementById("warning-total");
  var stopped = false;

  function rowsById() {
    var found = {};
    list.querySelectorAll("li[data-warning-id]").forEach(function (li) {
      found[li.getAttribute("data-warning-id")] = li;
    });
    return found;
  }

  function fragment(html) {
    var template = document.createElement("template");
    template.innerHTML = html.trim();  // rendered and escaped by the hall
    return template.content.firstElementChild;
  }

  function apply(answer) {
    var known = rowsById();
    var added = 0;
    var first = list.firstElementChild;
    answer.warnings.forEach(function (w) {
      var row = fragment(w.html);
      if (!row) { return; }
      if (known[w.id]) {
        var old = known[w.id];
        if (old.outerHTML !== row.outerHTML && !old.contains(document.activeElement)) {
          old.replaceWith(row);
        }
      } else {
        row.classList.add("new");
        list.insertBefore(row, first);
        added += 1;
      }
    });
    if (total) { total.textContent = String(answer.total); }
    if (added > 0) {
      var empty = document.getElementById("no-warnings");
      if (empty) { empty.remove(); }
      status.textContent = "新增 " + added + " 条预警，已显示在列表顶部。";
    }
  }

  function poll() {
    if (stopped) { return; }
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) {
        if (response.status === 401) {
          stopped = true;
          return response.json().then(function (answer) {
            status.textContent = "";
            var link = document.createElement("a");
            link.href = answer.signin || "/signin?next=/supervision&expired=1";
            link.textContent = "登录已过期，请重新登录";
            status.appendChild(link);
          });
        }
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json().then(apply);
      })
      .catch(function () {
        status.textContent = "暂时无法获取新的预警，稍后自动重试；也可以刷新页面。";
      })
      .then(function () { if (!stopped) { window.setTimeout(poll, every); } });
  }

  window.setTimeout(poll, every);
}());
