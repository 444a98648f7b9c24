// Progressive enhancement for the submit form: click the map to fill in the coordinates.
// Without JavaScript the buurt list and the coordinate fields do the same job.
(function () {
  "use strict";
  var holder = document.getElementById("kaartkiezer");
  if (!holder) { return; }
  var svg = holder.querySelector("svg");
  var lat = document.getElementById("veld-lat");
  var lon = document.getElementById("veld-lon");
  var area = document.getElementById("veld-area_code");
  if (!svg || !lat || !lon) { return; }
  holder.hidden = false;
  var west = parseFloat(svg.dataset.west);
  var north = parseFloat(svg.dataset.north);
  var scale = parseFloat(svg.dataset.scale);
  var stretch = parseFloat(svg.dataset.stretch);
  var marker = null;

  svg.addEventListener("click", function (event) {
    var point = svg.createSVGPoint();
    point.x = event.clientX;
    point.y = event.clientY;
    var local = point.matrixTransform(svg.getScreenCTM().inverse());
    var longitude = west + local.x / (scale * stretch);
    var latitude = north - local.y / scale;
    lat.value = latitude.toFixed(6);
    lon.value = longitude.toFixed(6);
    if (area) { area.value = ""; }
    if (!marker) {
      marker = document.createElementNS("http://www.w3.org/2000/svg", "circle");
      marker.setAttribute("r", "6");
      marker.setAttribute("class", "marker");
      svg.appendChild(marker);
    }
    marker.setAttribute("cx", local.x);
    marker.setAttribute("cy", local.y);
  });
})();
