// The QA review page: play the recording, and mark a comment at the player's position
// (a static file: the pages' CSP allows no inline script or handler).
(function () {
  "use strict";
  var player = document.getElementById("player");
  var play = document.getElementById("play");
  var mark = document.getElementById("mark-time");
  var offset = document.getElementById("offset");
  if (play && player) {
    play.addEventListener("click", function () { player.play(); });
  }
  if (mark && player && offset) {
    mark.addEventListener("click", function () {
      offset.value = player.currentTime.toFixed(1);
    });
  }
})();
