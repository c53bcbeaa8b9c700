// The task page: fetch the current task, let the participant listen and pick images, log every interaction
// (with milliseconds since the task opened) and submit it all as one JSON answer.
(function () {
  "use strict";
  const root = document.getElementById("task");
  const strings = JSON.parse(document.getElementById("strings").textContent);
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const $ = (id) => document.getElementById(id);
  const audio = $("clip"), grid = $("grid"), status = $("status"), submitButton = $("submit");
  let task = null, selected = [], events = [], opened = 0, played = false, busy = false;

  const fill = (text, values) => text.replace(/\{(\w+)\}/g, (m, k) => (k in values ? values[k] : m));
  const log = (type, extra) => events.push(Object.assign({ type: type, t: Math.round(performance.now() - opened) }, extra || {}));
  const say = (text, ok) => { status.textContent = text; status.classList.toggle("ok", !!ok); };

  function updateCount() {
    $("count-help").textContent = fill(strings.count, { min: task.min_select, max: task.max_select, count: selected.length });
  }

  function toggle(button, id) {
    const on = selected.indexOf(id) === -1;
    if (on && selected.length >= task.max_select) {
      say(fill(strings.need_count, { min: task.min_select, max: task.max_select }));
      return;
    }
    if (on) selected.push(id); else selected.splice(selected.indexOf(id), 1);
    button.setAttribute("aria-pressed", on ? "true" : "false");
    log(on ? "select" : "deselect", { image: id });
    say("");
    updateCount();
  }

  function render(data) {
    task = data.task; selected = []; events = []; played = false; busy = false;
    opened = performance.now();
    $("progress-label").textContent = fill(strings.progress, { stage: strings.stage, n: data.number, total: data.total });
    $("progress-fill").style.width = (100 * (data.number - 1) / data.total) + "%";
    $("explanation").hidden = !task.explanation;
    $("explanation").textContent = task.explanation || "";
    $("reveal").hidden = true;
    $("task-body").hidden = false;
    submitButton.disabled = false;
    audio.src = task.audio;
    audio.load();
    grid.replaceChildren();
    task.images.forEach(function (image, k) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "tile";
      button.dataset.id = image.id;
      button.setAttribute("aria-pressed", "false");
      button.setAttribute("aria-label", fill(strings.image, { n: k + 1 }));
      const img = document.createElement("img");
      img.src = image.url; img.alt = ""; img.loading = "eager"; img.decoding = "async";
      const mark = document.createElement("span"); mark.className = "mark"; mark.textContent = "\u2713"; mark.setAttribute("aria-hidden", "true");
      const num = document.createElement("span"); num.className = "num"; num.textContent = k + 1; num.setAttribute("aria-hidden", "true");
      button.append(img, mark, num);
      button.addEventListener("click", function () { toggle(button, image.id); });
      grid.append(button);
    });
    document.querySelectorAll('input[name="liked"]').forEach(function (r) { r.checked = false; });
    $("bad-audio").checked = false;
    updateCount();
    say("");
    log("load");
  }

  function load() {
    fetch(root.dataset.taskUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (data) {
        if (data.done) { window.location.assign(data.next); return; }
        render(data);
        window.scrollTo(0, 0);
      })
      .catch(function () { say(strings.error); });
  }

  audio.addEventListener("play", function () { played = true; log("play", { position: audio.currentTime }); say(""); });
  audio.addEventListener("pause", function () { if (!audio.ended) log("pause", { position: audio.currentTime }); });
  audio.addEventListener("ended", function () { log("ended", { position: audio.currentTime }); });
  audio.addEventListener("seeked", function () { log("seek", { position: audio.currentTime }); });
  $("replay").addEventListener("click", function () { audio.currentTime = 0; audio.play(); });

  submitButton.addEventListener("click", function () {
    if (busy || !task) return;
    const liked = document.querySelector('input[name="liked"]:checked');
    if (!played) { say(strings.need_play); return; }
    if (selected.length < task.min_select || selected.length > task.max_select) {
      say(fill(strings.need_count, { min: task.min_select, max: task.max_select })); return;
    }
    if (!liked) { say(strings.need_liked); return; }
    busy = true; submitButton.disabled = true;
    audio.pause();
    const body = {
      assignment: task.assignment, selected: selected.slice(), liked: liked.value,
      bad_audio: $("bad-audio").checked, interactions: events,
      duration_ms: Math.round(performance.now() - opened)
    };
    fetch(root.dataset.submitUrl, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body)
    }).then(function (r) {
      return r.json().then(function (data) { return { status: r.status, data: data }; });
    }).then(function (res) {
      if (res.status === 409) { load(); return; }
      if (res.status !== 201) { busy = false; submitButton.disabled = false; say(res.data.message || strings.error); return; }
      say(strings.saved, true);
      if (res.data.reveal) {
        grid.querySelectorAll(".tile").forEach(function (tile) {
          tile.disabled = true;
          if (res.data.reveal.indexOf(tile.dataset.id) !== -1) tile.classList.add("own");
        });
        $("reveal").hidden = false;
        $("continue").focus();
        $("continue").onclick = function () { res.data.done ? window.location.assign(res.data.next) : load(); };
      } else if (res.data.done) {
        window.location.assign(res.data.next);
      } else {
        load();
      }
    }).catch(function () { busy = false; submitButton.disabled = false; say(strings.error); });
  });

  load();
})();
