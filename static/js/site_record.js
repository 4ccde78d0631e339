// Fill latitude/longitude from the phone's position; hidden where the browser cannot.
(function () {
  "use strict";
  var button = document.getElementById("gps-fill"), status = document.getElementById("gps-status");
  if (!button || !navigator.geolocation) { return; }
  button.hidden = false;
  button.addEventListener("click", function () {
    status.textContent = "正在定位…";
    navigator.geolocation.getCurrentPosition(function (pos) {
      document.getElementById("id_latitude").value = pos.coords.latitude.toFixed(6);
      document.getElementById("id_longitude").value = pos.coords.longitude.toFixed(6);
      status.textContent = "已填入（精度约 " + Math.round(pos.coords.accuracy) + " 米）";
    }, function (err) { status.textContent = "无法定位：" + (err.message || "请手动填写"); },
    { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  });
})();
