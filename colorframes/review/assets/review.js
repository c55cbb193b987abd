(function () {
  "use strict";
  var $ = function (id) { return document.getElementById(id); };
  var table = JSON.parse($("frame-table").textContent);
  var frames = table.rows.map(function (row) {
    var f = {};
    table.cols.forEach(function (c, i) { f[c] = row[i]; });
    return f;
  });
  var n = frames.length;
  var scrub = $("scrub");
  var index = 0;
  var tiles = [];

  function fmt(v, digits) { return v === null || v === undefined ? "-" : Number(v).toFixed(digits); }

  function setImage(img, url, note) {
    var fig = img.closest("figure");
    if (url) {
      if (img.getAttribute("src") !== url) { img.setAttribute("src", url); }
      fig.classList.remove("empty");
    } else {
      img.removeAttribute("src");
      fig.classList.add("empty");
    }
    var box = fig.querySelector(".note");
    if (box) { box.textContent = url ? "" : note; }
  }

  function overlayOn() { return document.body.classList.contains("overlay"); }

  function loadImages() {
    var f = frames[index];
    var failed = f.status === "failed" ? "FAILED: " + (f.error || "no error recorded") : "no result (" + f.status + ")";
    if (overlayOn()) {
      setImage($("ov-sketch"), f.sketch || f.result, failed);
      var top = $("ov-result");
      if (f.sketch && f.result) {
        if (top.getAttribute("src") !== f.result) { top.setAttribute("src", f.result); }
        top.style.display = "";
      } else {
        top.removeAttribute("src");
        top.style.display = "none";
      }
      if (!f.result) { $("overlay").querySelector(".note").textContent = failed; }
    } else {
      setImage($("img-sketch"), f.sketch, "no sketch found");
      if ($("img-mask")) { setImage($("img-mask"), f.mask, "no mask saved (--save-masks)"); }
      setImage($("img-result"), f.result, failed);
      drawRegions(f);
    }
  }

  // Low-confidence regions of the flat backend's report, drawn over the result in frame pixels.
  function drawRegions(f) {
    var svg = $("regions");
    while (svg.firstChild) { svg.removeChild(svg.firstChild); }
    var regions = (f.result && f.size) ? (f.regions || []) : [];
    $("regions-label").textContent = regions.length ? "(" + regions.length + " low-confidence region" + (regions.length > 1 ? "s" : "") + " outlined)" : "";
    if (!regions.length) { return; }
    svg.setAttribute("viewBox", "0 0 " + f.size[0] + " " + f.size[1]);
    svg.setAttribute("preserveAspectRatio", "xMidYMid meet");
    regions.forEach(function (r) {
      var rect = document.createElementNS("http://www.w3.org/2000/svg", "rect");
      rect.setAttribute("x", r[0]);
      rect.setAttribute("y", r[1]);
      rect.setAttribute("width", Math.max(1, r[2] - r[0]));
      rect.setAttribute("height", Math.max(1, r[3] - r[1]));
      var title = document.createElementNS("http://www.w3.org/2000/svg", "title");
      title.textContent = "confidence " + (r[4] < 0 ? "unknown" : Number(r[4]).toFixed(2));
      rect.appendChild(title);
      svg.appendChild(rect);
    });
  }

  function show(i) {
    if (!n) { return; }
    index = Math.max(0, Math.min(n - 1, i));
    var f = frames[index];
    scrub.value = String(index);
    $("frame-label").textContent = "Frame " + f.frame;
    $("frame-pos").textContent = (index + 1) + " / " + n;
    loadImages();
    var info = "status " + f.status + " | " + fmt(f.seconds, 2) + " s | flicker " + fmt(f.flicker, 4) +
      (f.warp === null ? "" : " | warping error " + fmt(f.warp, 4)) +
      " | low-confidence regions " + (f.low === null ? "-" : f.low);
    $("frame-info").textContent = info;
    if (f.error) {
      var e = document.createElement("span");
      e.className = "bad";
      e.textContent = " | " + f.error;
      $("frame-info").appendChild(e);
    }
    document.querySelectorAll("svg.plot").forEach(function (svg) {
      var x0 = Number(svg.dataset.x0), x1 = Number(svg.dataset.x1), count = Number(svg.dataset.n) || 1;
      var x = (x0 + (index + 0.5) * (x1 - x0) / count).toFixed(1);
      var cursor = svg.querySelector(".cursor");
      cursor.setAttribute("x1", x);
      cursor.setAttribute("x2", x);
    });
    tiles.forEach(function (t) { t.classList.remove("current"); });
    if (tiles[index]) { tiles[index].classList.add("current"); }
    if (history.replaceState) { history.replaceState(null, "", "#f=" + f.frame); }
  }

  function indexOfFrame(number) {
    for (var i = 0; i < n; i++) { if (frames[i].frame === number) { return i; } }
    return -1;
  }

  function buildStrip() {
    var strip = $("strip");
    var frag = document.createDocumentFragment();
    frames.forEach(function (f, i) {
      var b = document.createElement("button");
      b.className = "tile" + (f.status === "failed" ? " failed" : "");
      b.dataset.index = String(i);
      if (f.thumb) {
        var img = document.createElement("img");
        img.loading = "lazy";
        img.width = 200;
        img.height = 150;
        img.alt = "frame " + f.frame;
        img.src = f.thumb;
        b.appendChild(img);
      }
      b.appendChild(document.createTextNode(String(f.frame)));
      frag.appendChild(b);
      tiles.push(b);
    });
    strip.appendChild(frag);
  }

  scrub.max = String(Math.max(0, n - 1));
  scrub.addEventListener("input", function () { show(Number(scrub.value)); });
  $("prev").addEventListener("click", function () { show(index - 1); });
  $("next").addEventListener("click", function () { show(index + 1); });
  $("overlay-toggle").addEventListener("change", function (e) {
    document.body.classList.toggle("overlay", e.target.checked);
    loadImages();
  });
  $("overlay-opacity").addEventListener("input", function (e) {
    $("ov-result").style.opacity = String(Number(e.target.value) / 100);
  });
  document.addEventListener("keydown", function (e) {
    var tag = e.target && e.target.tagName;
    if (tag === "TEXTAREA" || (tag === "INPUT" && e.target.type !== "checkbox")) { return; }
    var moves = { ArrowLeft: -1, ArrowRight: 1, PageUp: -10, PageDown: 10 };
    if (e.key in moves) { show(index + moves[e.key]); e.preventDefault(); }
    else if (e.key === "Home") { show(0); e.preventDefault(); }
    else if (e.key === "End") { show(n - 1); e.preventDefault(); }
    else if (e.key === "o" || e.key === "O") { $("overlay-toggle").click(); }
  });
  document.addEventListener("click", function (e) {
    var target = e.target.closest("[data-index]");
    if (target) { show(Number(target.dataset.index)); window.scrollTo(0, 0); }
  });
  document.querySelectorAll("svg.plot").forEach(function (svg) {
    svg.addEventListener("click", function (e) {
      var pt = svg.createSVGPoint();
      pt.x = e.clientX;
      pt.y = e.clientY;
      var p = pt.matrixTransform(svg.getScreenCTM().inverse());
      var x0 = Number(svg.dataset.x0), x1 = Number(svg.dataset.x1), count = Number(svg.dataset.n);
      show(Math.floor((p.x - x0) / (x1 - x0) * count));
    });
  });

  buildStrip();
  var m = /#f=(-?\d+)/.exec(location.hash);
  var start = m ? indexOfFrame(Number(m[1])) : 0;
  show(start < 0 ? 0 : start);
})();
