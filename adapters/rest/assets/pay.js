// The hosted page's countdown to the payment's expiry: H:MM:SS in the page's
// digits; at zero the gateway buttons are disabled (paycore refuses a late
// attempt anyway).
(function () {
  "use strict";
  var el = document.getElementById("countdown");
  if (!el) return;
  var expires = Number(el.getAttribute("data-expires"));
  var bangla = el.getAttribute("data-lang") === "bn";
  var digits = "০১২৩৪৫৬৭৮৯";
  function pad(n) { return n < 10 ? "0" + n : String(n); }
  function show(s) {
    var text = Math.floor(s / 3600) + ":" + pad(Math.floor(s / 60) % 60) + ":" + pad(s % 60);
    if (bangla) text = text.replace(/[0-9]/g, function (d) { return digits.charAt(Number(d)); });
    el.textContent = text;
  }
  function tick() {
    var left = Math.max(0, Math.floor((expires - Date.now()) / 1000));
    show(left);
    if (left === 0) {
      var buttons = document.querySelectorAll("button.gw");
      for (var i = 0; i < buttons.length; i++) buttons[i].disabled = true;
      clearInterval(timer);
    }
  }
  var timer = setInterval(tick, 1000);
  tick();
})();
