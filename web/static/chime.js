// A sound for urgent comments (the user's choice in My account; off by default): a short
// two-note chime synthesised with the Web Audio API, so there is no file to fetch. Browsers
// allow sound only after the person has clicked or typed on the page: the audio context is
// made on the first such gesture, and nothing plays before it.
"use strict";
(function () {
  let audio = null;
  let enabled = false;
  let last = 0;

  function unlock() {
    if (audio) { if (audio.state === "suspended") audio.resume().catch(() => {}); return; }
    const Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return;
    try { audio = new Context(); audio.resume().catch(() => {}); } catch (e) { audio = null; }
  }

  function enable() {
    if (enabled) return;
    enabled = true;
    for (const kind of ["pointerdown", "keydown"]) document.addEventListener(kind, unlock, { capture: true });
  }

  function chime() {
    if (!enabled || !audio || audio.state !== "running" || Date.now() - last < 2000) return;
    last = Date.now();  // a burst of urgent comments rings once
    const start = audio.currentTime;
    const gain = audio.createGain();
    gain.connect(audio.destination);
    gain.gain.setValueAtTime(0.0001, start);
    gain.gain.exponentialRampToValueAtTime(0.25, start + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.5);
    [[880, 0], [1320, 0.16]].forEach(([freq, delay]) => {
      const tone = audio.createOscillator();
      tone.type = "sine";
      tone.frequency.value = freq;
      tone.connect(gain);
      tone.start(start + delay);
      tone.stop(start + delay + 0.32);
    });
    // Counted on the page: how a browser test (or a curious person) sees that it rang.
    document.body.dataset.chimes = String(Number(document.body.dataset.chimes || 0) + 1);
  }

  window.Jasette.sound = { enable, chime };
})();
