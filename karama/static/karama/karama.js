// Small progressive enhancements; every page works without them.
(function () {
  "use strict";
  // Filter forms submit themselves when a select changes (the button stays for keyboard users).
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches && target.matches("[data-autosubmit] select")) {
      target.form.requestSubmit();
    }
  });
  // Buttons with data-confirm ask before they submit.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });
})();
