// Comments without page loads, where the browser runs scripts. Every action is a
// plain form or link first; this only saves the trip:
// - "Reply" moves the comment form under the comment answered;
// - "Like" is sent in the background and the count changes in place.
(function () {
  var form = document.getElementById("comment-form");
  if (!form) return;
  var home = form.parentNode;
  var next = form.nextSibling;
  var label = form.querySelector("label[for=comment-body]");
  var parent = form.querySelector("input[name=parent]");
  var body = form.querySelector("textarea");
  var original = label.innerHTML;
  var cancel = document.createElement("button");
  cancel.type = "button";
  cancel.className = "cancel";
  cancel.textContent = "Cancel reply";

  function reset() {
    parent.value = "";
    label.innerHTML = original;
    if (cancel.parentNode) cancel.parentNode.removeChild(cancel);
    home.insertBefore(form, next);
  }

  cancel.addEventListener("click", reset);

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-reply]");
    if (!link) return;
    event.preventDefault();
    var comment = document.getElementById("comment-" + link.getAttribute("data-reply"));
    parent.value = link.getAttribute("data-reply");
    label.textContent = "Reply to " + link.getAttribute("data-author");
    form.appendChild(cancel);
    comment.appendChild(form);
    body.focus();
  });

  document.addEventListener("submit", function (event) {
    var like = event.target.closest && event.target.closest("form.like");
    if (!like || !window.fetch) return;
    event.preventDefault();
    var button = like.querySelector("button");
    var wanted = like.querySelector("input[name=like]");
    button.disabled = true;
    fetch(like.action, {
      method: "POST",
      headers: { Accept: "application/json" },
      body: new URLSearchParams(new FormData(like)),
      credentials: "same-origin"
    })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (answer) {
        wanted.value = answer.liked ? "0" : "1";
        button.setAttribute("aria-pressed", answer.liked ? "true" : "false");
        button.textContent = answer.liked ? "Liked" : "Like";
        if (answer.likes) {
          var count = document.createElement("span");
          count.className = "count";
          count.textContent = answer.likes;
          button.appendChild(document.createTextNode(" "));
          button.appendChild(count);
        }
      })
      .catch(function () { like.submit(); })
      .finally(function () { button.disabled = false; });
  });
})();
