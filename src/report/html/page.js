// gridsite report.html: pan and zoom, feature properties on hover and click, layer switches,
// a scale bar, and (only with --basemap) XYZ tiles. No request leaves the page otherwise.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("gridsite-data").textContent);
  var svg = document.getElementById("map");
  var wrap = document.getElementById("map-wrap");
  var tooltip = document.getElementById("tooltip");
  var details = document.getElementById("details");
  var frame = data.frame;
  var whole = { x: 0, y: 0, w: frame.width_m, h: frame.height_m };
  var view = { x: whole.x, y: whole.y, w: whole.w, h: whole.h };
  var markers = svg.querySelectorAll("circle[data-r]");
  var R = 6378137;
  var WORLD = 2 * Math.PI * R;

  // Map units per screen pixel with "meet" fitting.
  function unitsPerPixel() {
    var box = svg.getBoundingClientRect();
    if (box.width <= 0 || box.height <= 0) { return 1; }
    return Math.max(view.w / box.width, view.h / box.height);
  }

  function apply() {
    svg.setAttribute("viewBox", view.x + " " + view.y + " " + view.w + " " + view.h);
    var upp = unitsPerPixel();
    for (var i = 0; i < markers.length; i++) {
      markers[i].setAttribute("r", (parseFloat(markers[i].getAttribute("data-r")) * upp).toFixed(2));
    }
    scaleBar(upp);
    tiles(upp);
  }

  // A round length of ground about 100 px long; Mercator metres are 1/cos(lat) true metres.
  function scaleBar(upp) {
    var groundPerPixel = upp * Math.cos(frame.centre_lat * Math.PI / 180);
    var target = groundPerPixel * 100;
    var pow = Math.pow(10, Math.floor(Math.log10(target)));
    var nice = [1, 2, 5, 10].map(function (m) { return m * pow; }).filter(function (v) { return v <= target; }).pop() || pow;
    document.getElementById("scale-line").style.width = (nice / groundPerPixel).toFixed(0) + "px";
    document.getElementById("scale-text").textContent = nice >= 1000 ? (nice / 1000) + " km" : nice + " m";
  }

  function tiles(upp) {
    var group = document.getElementById("layer-basemap");
    if (!data.basemap) { return; }
    var z = Math.max(0, Math.min(19, Math.round(Math.log2(WORLD / (256 * upp)))));
    var n = Math.pow(2, z);
    var size = WORLD / n;
    var west = frame.west_m + view.x, north = frame.north_m - view.y;
    var x0 = Math.floor((west + WORLD / 2) / size), x1 = Math.floor((west + view.w + WORLD / 2) / size);
    var y0 = Math.floor((WORLD / 2 - north) / size), y1 = Math.floor((WORLD / 2 - (north - view.h)) / size);
    while (group.firstChild) { group.removeChild(group.firstChild); }
    if ((x1 - x0 + 1) * (y1 - y0 + 1) > 400) { return; }
    for (var tx = x0; tx <= x1; tx++) {
      for (var ty = Math.max(0, y0); ty <= Math.min(n - 1, y1); ty++) {
        var img = document.createElementNS("http://www.w3.org/2000/svg", "image");
        var url = data.basemap.replace("{z}", z).replace("{x}", ((tx % n) + n) % n).replace("{y}", ty);
        img.setAttribute("href", url);
        img.setAttribute("x", (tx * size - WORLD / 2 - frame.west_m).toFixed(1));
        img.setAttribute("y", (frame.north_m - (WORLD / 2 - ty * size)).toFixed(1));
        img.setAttribute("width", size.toFixed(1));
        img.setAttribute("height", size.toFixed(1));
        img.setAttribute("preserveAspectRatio", "none");
        group.appendChild(img);
      }
    }
  }

  function toMap(clientX, clientY) {
    var box = svg.getBoundingClientRect();
    var upp = unitsPerPixel();
    var cx = view.x + view.w / 2 + (clientX - box.left - box.width / 2) * upp;
    var cy = view.y + view.h / 2 + (clientY - box.top - box.height / 2) * upp;
    return { x: cx, y: cy };
  }

  function zoom(factor, at) {
    var w = view.w * factor, h = view.h * factor;
    if (w > whole.w * 4 || w < 20) { return; }
    var p = at || { x: view.x + view.w / 2, y: view.y + view.h / 2 };
    view = { x: p.x - (p.x - view.x) * factor, y: p.y - (p.y - view.y) * factor, w: w, h: h };
    apply();
  }

  svg.addEventListener("wheel", function (e) {
    e.preventDefault();
    zoom(e.deltaY > 0 ? 1.25 : 0.8, toMap(e.clientX, e.clientY));
  }, { passive: false });

  var drag = null;
  svg.addEventListener("pointerdown", function (e) {
    drag = { x: e.clientX, y: e.clientY, view: { x: view.x, y: view.y, w: view.w, h: view.h }, moved: false };
    svg.classList.add("dragging");
  });
  window.addEventListener("pointermove", function (e) {
    if (!drag) { return; }
    var upp = unitsPerPixel();
    var dx = e.clientX - drag.x, dy = e.clientY - drag.y;
    if (Math.abs(dx) + Math.abs(dy) > 3) { drag.moved = true; }
    view = { x: drag.view.x - dx * upp, y: drag.view.y - dy * upp, w: view.w, h: view.h };
    apply();
  });
  window.addEventListener("pointerup", function () {
    svg.classList.remove("dragging");
    setTimeout(function () { drag = null; }, 0);
  });

  document.getElementById("zoom-in").addEventListener("click", function () { zoom(0.5); });
  document.getElementById("zoom-out").addEventListener("click", function () { zoom(2); });
  document.getElementById("zoom-reset").addEventListener("click", function () {
    view = { x: whole.x, y: whole.y, w: whole.w, h: whole.h };
    apply();
  });

  var toggles = document.querySelectorAll("input[data-toggle]");
  for (var t = 0; t < toggles.length; t++) {
    toggles[t].addEventListener("change", function (e) {
      var group = document.getElementById("layer-" + e.target.getAttribute("data-toggle"));
      if (group) { group.style.display = e.target.checked ? "" : "none"; }
    });
  }

  function propertiesOf(el) {
    var layer = el.getAttribute("data-layer");
    var list = data.properties[layer] || [];
    return { layer: layer, props: list[parseInt(el.getAttribute("data-i"), 10)] || {} };
  }

  function table(found) {
    var out = document.createElement("table");
    var caption = document.createElement("caption");
    caption.textContent = found.layer;
    out.appendChild(caption);
    Object.keys(found.props).forEach(function (k) {
      var tr = document.createElement("tr");
      var th = document.createElement("th");
      var td = document.createElement("td");
      var v = found.props[k];
      th.textContent = k;
      td.textContent = v === null ? "–" : (typeof v === "object" ? JSON.stringify(v) : String(v));
      tr.appendChild(th);
      tr.appendChild(td);
      out.appendChild(tr);
    });
    return out;
  }

  svg.addEventListener("mousemove", function (e) {
    var el = e.target.closest ? e.target.closest(".f") : null;
    if (!el || drag) { tooltip.hidden = true; return; }
    tooltip.replaceChildren(table(propertiesOf(el)));
    var box = wrap.getBoundingClientRect();
    tooltip.style.left = Math.min(e.clientX - box.left + 12, box.width - 200) + "px";
    tooltip.style.top = (e.clientY - box.top + 12) + "px";
    tooltip.hidden = false;
  });
  svg.addEventListener("mouseleave", function () { tooltip.hidden = true; });
  svg.addEventListener("click", function (e) {
    if (drag && drag.moved) { return; }
    var el = e.target.closest ? e.target.closest(".f") : null;
    if (!el) { return; }
    details.replaceChildren(table(propertiesOf(el)));
  });
  window.addEventListener("resize", apply);
  apply();
})();
