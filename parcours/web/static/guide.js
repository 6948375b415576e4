// parcours: the trail page's guided mode, dated layers and offline download.
// Guided mode applies the rule of /api/trails/{id}/progress on the phone itself, so that it
// keeps working with no network: a stop is reached inside its radius widened by the fix's
// accuracy (capped), and the next stop is the one after the last reached.
(() => {
  'use strict';
  const source = document.getElementById('trail-data');
  if (!source) return;
  const data = JSON.parse(source.textContent);
  const words = data.words;
  const say = (template, values) => template.replace(/%\((\w+)\)[sd]/g, (_, key) => values[key]);
  const $ = (id) => document.getElementById(id);

  function ready(fn) {
    if (window.parcours) fn(window.parcours);
    else window.addEventListener('DOMContentLoaded', () => fn(window.parcours));
  }

  ready((parcours) => {
    const stops = data.stops;
    const items = [...document.querySelectorAll('.stop')];

    // --- Map --------------------------------------------------------------------------
    const drawTrail = () => parcours.drawMap($('map'), (map) => parcours.drawStops(map, data, (i) => openStop(i, false)));
    if (document.readyState === 'complete') drawTrail();
    else window.addEventListener('load', drawTrail);

    // --- Stops and layers ---------------------------------------------------------------
    function openStop(index, announce) {
      const item = items[index];
      if (!item) return;
      items.forEach((other) => other.removeAttribute('aria-current'));
      item.setAttribute('aria-current', 'step');
      item.dataset.reached = 'true';
      item.querySelector('details').open = true;
      item.scrollIntoView({ block: 'start', behavior: 'auto' });
      if (announce) item.querySelector('summary').focus({ preventScroll: true });
    }

    document.querySelectorAll('.layers').forEach((group) => {
      const switches = [...group.querySelectorAll('.layer-switch')];
      const layers = [...group.querySelectorAll('.layer')];
      const show = (id) => {
        switches.forEach((b) => b.setAttribute('aria-pressed', String(b.dataset.layer === id)));
        layers.forEach((layer) => { layer.hidden = layer.dataset.layer !== id; });
      };
      switches.forEach((b) => {
        b.hidden = false;
        b.addEventListener('click', () => show(b.dataset.layer));
      });
      if (switches.length) show(switches[0].dataset.layer);
    });

    // --- Guided mode --------------------------------------------------------------------
    let watch = null;
    let lastReached = -1;
    const status = $('guide-status');

    function onPosition(position) {
      const { latitude: lat, longitude: lon, accuracy } = position.coords;
      const slack = Math.min(accuracy || 0, data.max_accuracy_m);
      const distances = stops.map((s) => parcours.distanceM(lat, lon, s.lat, s.lon));
      let at = null;
      distances.forEach((d, i) => {
        if (d <= stops[i].radius_m + slack && (at === null || d < distances[at])) at = i;
      });
      if (at !== null && at !== lastReached) {
        lastReached = at;
        openStop(at, true);
      }
      const next = lastReached + 1;
      status.hidden = false;
      status.dataset.next = next < stops.length ? String(next + 1) : '';
      if (next >= stops.length) {
        $('next-stop-title').textContent = '';
        $('next-stop-distance').textContent = '';
        $('next-stop-direction').textContent = '';
        $('guide-message').textContent = words.finished;
        return;
      }
      const target = stops[next];
      const distance = parcours.formatLength(distances[next]);
      const bearing = parcours.bearingDeg(lat, lon, target.lat, target.lon);
      const direction = words.directions[parcours.compassPoint(bearing)];
      $('next-stop-title').textContent = `${target.number}. ${target.title}`;
      $('next-stop-distance').textContent = distance;
      $('next-stop-direction').textContent = `· ${direction}`;
      $('guide-message').textContent = at !== null
        ? say(words.at_stop, { number: at + 1, title: stops[at].title })
        : say(words.next_stop, { title: target.title, distance, direction });
    }

    function onError(error) {
      status.hidden = false;
      $('guide-message').textContent = error.code === 1 ? words.denied : words.no_position;
    }

    const start = $('start');
    const stopGuide = $('stop-guide');
    if (!('geolocation' in navigator)) start.disabled = true;
    start.addEventListener('click', () => {
      watch = navigator.geolocation.watchPosition(onPosition, onError, {
        enableHighAccuracy: true, maximumAge: 5000, timeout: 30000,
      });
      start.hidden = true;
      stopGuide.hidden = false;
      stopGuide.focus();
    });
    stopGuide.addEventListener('click', () => {
      if (watch !== null) navigator.geolocation.clearWatch(watch);
      watch = null;
      stopGuide.hidden = true;
      start.hidden = false;
      start.focus();
    });

    // --- Offline download -----------------------------------------------------------------
    const download = $('download');
    const forget = $('forget');
    const note = $('download-status');
    const cacheName = `trail-${data.id}-${data.lang}-${data.revision}`;
    const offlineKey = `parcours-offline-${data.id}-${data.lang}`;
    if (!('caches' in window) || !('serviceWorker' in navigator)) {
      download.disabled = true;
      note.textContent = words.offline_unsupported;
      return;
    }
    let plan = null;
    async function planDownload() {
      const response = await fetch(download.dataset.pack, { cache: 'no-cache' });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const pack = await response.json();
      const files = new Map();
      const add = (url, bytes) => { if (url && !files.has(url)) files.set(url, bytes || 0); };
      pack.files.forEach((f) => add(f.url, f.bytes));
      data.shell.forEach((f) => add(f.url, f.bytes));
      add(location.pathname + location.search, document.documentElement.outerHTML.length);
      add(download.dataset.pack, 0);
      const total = [...files.values()].reduce((a, b) => a + b, 0);
      return { files, total };
    }
    planDownload().then((p) => {
      plan = p;
      download.textContent = say(words.download_size, { total: parcours.formatBytes(p.total) });
      download.dataset.bytes = String(p.total);
    }).catch(() => {});
    caches.has(cacheName).then((has) => {
      if (has && localStorage.getItem(offlineKey) === cacheName) {
        download.dataset.state = 'done';
        forget.hidden = false;
      }
    });

    download.addEventListener('click', async () => {
      download.disabled = true;
      try {
        if (!plan) plan = await planDownload();
        if (navigator.storage && navigator.storage.persist) await navigator.storage.persist();
        const cache = await caches.open(cacheName);
        let done = 0;
        for (const [url, bytes] of plan.files) {
          // Whole files only: a cache refuses 206 partial answers.
          const response = await fetch(url, { cache: 'no-cache' });
          if (response.status !== 200) throw new Error(`${url}: HTTP ${response.status}`);
          await cache.put(url, response);
          done += bytes;
          note.textContent = say(words.downloading, {
            done: parcours.formatBytes(done), total: parcours.formatBytes(plan.total),
          });
        }
        localStorage.setItem(offlineKey, cacheName);
        const names = await caches.keys();
        await Promise.all(names.filter((n) => n.startsWith(`trail-${data.id}-${data.lang}-`)
          && n !== cacheName).map((n) => caches.delete(n)));
        note.textContent = say(words.downloaded, { total: parcours.formatBytes(plan.total) });
        download.dataset.state = 'done';
        forget.hidden = false;
      } catch (error) {
        note.textContent = say(words.download_failed, { reason: error.message });
        download.dataset.state = 'failed';
      } finally {
        download.disabled = false;
      }
    });
    forget.addEventListener('click', async () => {
      await caches.delete(cacheName);
      localStorage.removeItem(offlineKey);
      download.dataset.state = '';
      forget.hidden = true;
      note.textContent = words.forgotten;
    });
  });
})();
